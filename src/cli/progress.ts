/**
 * A progress line on stderr for long imports and reports: drawn only when stderr is a
 * terminal (silent in pipes, files and CI), redrawn at most every 100 ms.
 */
export interface Progress {
  update(done: number, total?: number): void;
  finish(): void;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  let last = 0;
  let drawn = false;
  const width = 30;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      if (total && total > 0) {
        const f = Math.min(1, done / total);
        const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
        stream.write(`\r${label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}%`);
      } else {
        stream.write(`\r${label} ${done.toLocaleString('en-US')}`);
      }
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
