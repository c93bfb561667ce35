/**
 * A progress line on stderr for long imports and reports: drawn only when stderr is a
 * terminal (silent in pipes, files and CI), redrawn at most every 100 ms, erased when done
 * so that what follows on stdout starts on a clean line.
 */
import type { ImportProgress } from '../audit/import.js';

export interface Progress {
  update(done: number, total?: number): void;
  finish(): void;
}

/** Where a progress line goes: a terminal when `isTTY` is true (process.stderr is one). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };
const REDRAW_MS = 100;

/** A line redrawn in place, at most every REDRAW_MS (the first draw at once). */
function line(stream: ProgressStream): { draw(text: string): void; finish(): void } {
  let last = 0;
  let drawn = false;
  return {
    draw(text) {
      const now = Date.now();
      if (drawn && now - last < REDRAW_MS) return;
      last = now;
      drawn = true;
      stream.write(`\r${text}\x1b[K`);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

export function progress(label: string, stream: ProgressStream = process.stderr): Progress {
  if (stream.isTTY !== true) return SILENT;
  const out = line(stream);
  const width = 30;
  return {
    update(done, total) {
      if (total && total > 0) {
        const f = Math.min(1, done / total);
        const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
        out.draw(`${label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}%`);
      } else {
        out.draw(`${label} ${done.toLocaleString('en-US')}`);
      }
    },
    finish: () => out.finish(),
  };
}

export interface ImportProgressLine {
  update(p: ImportProgress): void;
  finish(): void;
}

/** `h:mm:ss` or `m:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * The import line: events so far, events per second, share of the file read and the time
 * left at the rate the file has been read so far, e.g.
 * `audit.xml: 412,345 events, 18,230/s, 43%, ETA 0:31`. Without a known size (a gzip'd
 * archive) the share and ETA are left out.
 */
export function formatImportProgress(label: string, p: ImportProgress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(p.events / seconds) : 0;
  let text = `${label}: ${p.events.toLocaleString('en-US')} ${p.events === 1 ? 'event' : 'events'}, ${rate.toLocaleString('en-US')}/s`;
  if (p.skipped > 0) text += `, ${p.skipped.toLocaleString('en-US')} skipped`;
  if (p.totalBytes !== undefined && p.totalBytes > 0) {
    const f = Math.min(1, p.bytesRead / p.totalBytes);
    text += `, ${Math.floor(f * 100)}%`;
    if (f > 0 && seconds > 0) text += `, ETA ${clock((seconds * (1 - f)) / f)}`;
  }
  return text;
}

export function importProgress(label: string, stream: ProgressStream = process.stderr): ImportProgressLine {
  if (stream.isTTY !== true) return SILENT_IMPORT;
  const out = line(stream);
  return { update: (p) => out.draw(formatImportProgress(label, p)), finish: () => out.finish() };
}

const SILENT_IMPORT: ImportProgressLine = { update: () => undefined, finish: () => undefined };
