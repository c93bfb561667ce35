/**
 * `ntlmgate decode [token...]`: decodes an NTLM or SPNEGO token given as base64, as an
 * `NTLM …` / `Negotiate …` header value, or as a whole header line; read from stdin when
 * the token is `-` or left out. Text by default, JSON (DecodeJson, cli/decodeViews.ts) with --json.
 */
import type { Command } from 'commander';
import { describeInput } from '../describe.js';
import { CliError, isTokenError, tokenErrorMessage } from '../errors.js';
import { renderText, tokenNodes, type TextNode } from '../render.js';
import { readStdin, writeOut } from '../io.js';
import type { DecodeJson } from '../decodeViews.js';

export function formatDecodeText(v: DecodeJson): string {
  const src: string[] = [];
  if (v.input.header) src.push(`${v.input.header} header`);
  if (v.input.scheme) src.push(`${v.input.scheme} scheme`);
  const input: TextNode = {
    title: 'Input',
    children: [
      { label: 'Source', value: src.length > 0 ? src.join(', ') : 'bare base64' },
      ...(v.input.direction ? [{ label: 'Direction', value: v.input.direction.replace(/-/g, ' ') }] : []),
      { label: 'Token', value: `${v.length} bytes, ${v.encoding === 'ntlmssp' ? 'raw NTLMSSP' : 'SPNEGO'}` },
    ],
  };
  return renderText([input, ...tokenNodes(v)]).join('\n');
}

export interface DecodeOptions {
  readonly json?: boolean;
}

export async function runDecode(tokenArgs: readonly string[], opts: DecodeOptions): Promise<void> {
  let text: string;
  if (tokenArgs.length === 0 || (tokenArgs.length === 1 && tokenArgs[0] === '-')) {
    if (tokenArgs.length === 0 && process.stdin.isTTY) {
      throw new CliError('no token given: pass it as an argument, or pipe it on stdin', 2);
    }
    text = await readStdin();
  } else {
    // Unquoted `decode NTLM TlRM…` or `decode Authorization: NTLM TlRM…` arrives as several words.
    text = tokenArgs.join(' ');
  }
  let view: DecodeJson;
  try {
    view = describeInput(text);
  } catch (e) {
    if (isTokenError(e)) throw new CliError(tokenErrorMessage(e), 1);
    throw e;
  }
  writeOut(opts.json ? JSON.stringify(view, null, 2) : formatDecodeText(view));
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .summary('decode an NTLM or SPNEGO token')
    .description(
      'Decode an NTLM (MS-NLMP) or SPNEGO (RFC 4178) token: the SPNEGO layer, then the NTLM message inside.\n\n' +
        'The token may be bare base64, a header value ("NTLM TlRM…", "Negotiate YII…") or a whole header line ' +
        '("Authorization: Negotiate …", "WWW-Authenticate: NTLM …", "Proxy-Authorization: …"). ' +
        'With no token, or "-", it is read from stdin.',
    )
    .argument('[token...]', 'the token, header value or header line (quotes optional)')
    .option('--json', 'print a JSON document instead of text')
    .action(async (token: string[], opts: DecodeOptions) => {
      await runDecode(token, opts);
    });
}
