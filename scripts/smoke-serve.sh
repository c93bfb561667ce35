#!/usr/bin/env bash
# Smoke test of README's start command on embedded defaults, as a newcomer runs it:
# `npm start` in the background, then the printed `curl --ntlm` command (200, the page names
# the demo user), a wrong password (401), the audit log holds the events, and SIGTERM sent to
# npm (as a service manager or `kill <pid>` would) reaches the server, which exits 0 and frees
# the port. Uses a fresh state directory so it is a real first run.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.ntlmgate
if [[ -e $state ]]; then
  echo "smoke-serve: $state exists; moving it aside to get a first run" >&2
  mv "$state" "$state.before-smoke.$$"
fi
out=$(mktemp) err=$(mktemp)
npm start --silent >"$out" 2>"$err" </dev/null &
npm_pid=$!
# The server is npm's child (`start` execs it); if anything below fails, stop both (and, should
# `start` not exec, whatever npm's child started).
server_pid=""
cleanup() {
  for p in $server_pid; do pkill -TERM -P "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; done
  kill -TERM "$npm_pid" 2>/dev/null || true
  rm -f "$out" "$err"
}
trap cleanup EXIT

cmd=""
for _ in $(seq 1 600); do
  cmd=$(grep -o "curl --ntlm -u '[^']*' http://127.0.0.1:8080/" "$err" || true)
  [[ -n $cmd ]] && break
  if ! kill -0 "$npm_pid" 2>/dev/null; then echo "npm start exited early:"; cat "$out" "$err"; exit 1; fi
  sleep 0.2
done
[[ -n $cmd ]] || { echo "no curl command printed within 120 s"; cat "$out" "$err"; exit 1; }
echo "printed: $cmd"
server_pid=$(pgrep -P "$npm_pid" || true)

body=$(eval "$cmd -sS -w '\n%{http_code}'")
status=${body##*$'\n'}
[[ $status == 200 ]] || { echo "expected 200, got $status"; echo "$body"; exit 1; }
grep -q 'id="user">NTLMGATE\\demo<' <<<"$body" || { echo "the page does not name the demo user"; echo "$body"; exit 1; }
echo "ok: 200, the page names NTLMGATE\\demo"

wrong=$(curl -sS -o /dev/null -w '%{http_code}' --ntlm -u 'NTLMGATE\demo:wrong-password' http://127.0.0.1:8080/)
[[ $wrong == 401 ]] || { echo "wrong password: expected 401, got $wrong"; exit 1; }
echo "ok: wrong password 401"
health=$(curl -sS http://127.0.0.1:8080/healthz)
grep -q '"status":"ok"' <<<"$health" || { echo "healthz: $health"; exit 1; }
echo "ok: /healthz $health"

[[ -n $server_pid ]] || { echo "npm start has no child process"; exit 1; }
kill -TERM "$npm_pid"
for _ in $(seq 1 100); do kill -0 "$npm_pid" 2>/dev/null || break; sleep 0.1; done
if wait "$npm_pid"; then echo "ok: SIGTERM to npm, exit 0"; else echo "npm start exited with $?"; cat "$out"; exit 1; fi
if kill -0 "$server_pid" 2>/dev/null; then echo "the server (pid $server_pid) outlived npm"; exit 1; fi
if curl -sS -o /dev/null --max-time 2 http://127.0.0.1:8080/healthz 2>/dev/null; then echo "port 8080 still answers after npm stopped"; exit 1; fi
echo "ok: the server stopped with npm and port 8080 is free"
grep -q '"msg":"stopped; audit log flushed"' "$out" || { echo "no 'stopped' log line"; tail -5 "$out"; exit 1; }

events=$(node dist/src/cli/main.js audit export --format jsonl)
for id in 8002 4023 8003; do
  grep -q "\"eventId\":$id" <<<"$events" || { echo "audit log lacks event $id"; echo "$events" | head; exit 1; }
done
echo "ok: the audit log holds 8002, 8003 and 4023 for the logons"
grep -c '"msg":"request"' "$out" | xargs echo "JSON request log lines:"
