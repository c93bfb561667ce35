/**
 * Drives the third-party peers in test/peers/ (Python ntlm-auth, impacket, gss-ntlmssp)
 * over their JSON-line protocol. Missing peers skip a test with a clear message on a
 * developer machine; under CI=true they fail instead (CI installs them).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = fileURLToPath(new URL('../../../test/peers/', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** Why the peers cannot run here, or undefined when they can. */
export function peersMissing(modules: string[]): string | undefined {
  const code = `import ${modules.join(', ')}`;
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    return `needs ${PYTHON} with ${modules.join(', ')} (run test/peers/install.sh): ${(r.error?.message ?? r.stderr).trim().split('\n').pop()}`;
  }
  return undefined;
}

/** `skip` option for node:test: a reason on a dev machine, a hard failure under CI. */
export function skipUnlessPeers(modules: string[]): string | false {
  const missing = peersMissing(modules);
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but interop peers are missing: ${missing}`);
  return missing;
}

export type Json = Record<string, unknown>;

/** A running peer: send a JSON line, await the next JSON line. */
export class Peer {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string | undefined) => void)[] = [];
  private stderr = '';
  private closed = false;
  readonly exited: Promise<number | null>;

  constructor(script: string, args: string[]) {
    const child = spawn(PYTHON, [PEERS_DIR + script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    this.exited = new Promise((resolve) =>
      child.on('close', (code) => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve(code);
      }),
    );
  }

  private readonly child: ReturnType<typeof spawn>;

  send(obj: Json): void {
    this.child.stdin?.write(JSON.stringify(obj) + '\n');
  }

  async read(timeoutMs = 20_000): Promise<Json> {
    const line =
      this.lines.shift() ??
      (this.closed
        ? undefined
        : await new Promise<string | undefined>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`peer timed out; stderr: ${this.stderr}`)), timeoutMs);
            this.waiters.push((l) => {
              clearTimeout(t);
              resolve(l);
            });
          }));
    if (line === undefined) throw new Error(`peer exited without answering; stderr: ${this.stderr}`);
    return JSON.parse(line) as Json;
  }

  kill(): void {
    this.child.kill();
  }
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const unb64 = (v: unknown): Buffer => {
  if (typeof v !== 'string') throw new Error(`expected a base64 string, got ${JSON.stringify(v)}`);
  return Buffer.from(v, 'base64');
};
