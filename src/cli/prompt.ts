/**
 * Secrets typed by a person: a no-echo terminal prompt and the one line `--password-stdin`
 * reads. The commands that need a password (`users`, `fetch`) take it from here; neither path
 * echoes, logs or puts it on argv.
 */
import { CliError } from './errors.js';

/** A terminal-like input: raw mode turns off echo and line buffering. */
export interface SecretInput {
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * Reads one line from a terminal without echoing it. Backspace and Ctrl-U edit, Enter ends,
 * Ctrl-C cancels, Ctrl-D on an empty line gives up; escape sequences (arrow keys) are ignored.
 */
export function promptSecret(input: SecretInput, output: { write(text: string): unknown }, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw ?? false;
    input.setRawMode?.(true);
    let value: string[] = [];
    let escape: 'none' | 'esc' | 'csi' = 'none';
    const finish = (error?: CliError): void => {
      input.removeListener('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value.join(''));
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (escape === 'esc') {
          escape = ch === '[' || ch === 'O' ? 'csi' : 'none';
          continue;
        }
        if (escape === 'csi') {
          if (ch >= '@' && ch <= '~') escape = 'none';
          continue;
        }
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('cancelled'));
        if (ch === '\u0004') {
          if (value.length === 0) return finish(new CliError('no password given'));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch === '\u0015') value = [];
        else if (ch === '\u001b') escape = 'esc';
        else if (ch >= ' ') value.push(ch);
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/**
 * The prompt on this process's terminal (question on stderr, so stdout stays the command's
 * output), or undefined when stdin is not a terminal and there is no one to ask.
 */
export function terminalSecretPrompt(): ((question: string) => Promise<string>) | undefined {
  return process.stdin.isTTY ? (question) => promptSecret(process.stdin, process.stderr, question) : undefined;
}

/** The one line `--password-stdin` reads: a final line ending is dropped; an empty or multi-line input is refused. */
export function passwordFromStdin(text: string): string {
  const line = text.replace(/\r?\n$/, '');
  if (line === '') throw new CliError('--password-stdin read an empty password');
  if (/[\r\n]/.test(line)) throw new CliError('--password-stdin reads one line, but stdin has several');
  return line;
}
