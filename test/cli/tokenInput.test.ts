/** Every input form `ntlmgate decode` accepts, and the ones it refuses with a coded error. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenInput, TokenInputError, type TokenInputErrorCode } from '../../src/cli/tokenInput.js';

// A 40-byte NEGOTIATE_MESSAGE and a SPNEGO-looking prefix; only the bytes matter here.
const NTLM_B64 = 'TlRMTVNTUAABAAAAN4II4gAAAAAoAAAAAAAAACgAAAAKAHxPAAAADw==';
const NTLM_BYTES = Buffer.from(NTLM_B64, 'base64');

function rejects(text: string, code: TokenInputErrorCode, message?: RegExp): void {
  assert.throws(
    () => parseTokenInput(text),
    (e: unknown) => e instanceof TokenInputError && e.code === code && (message === undefined || message.test(e.message)),
    `${JSON.stringify(text)} should fail with ${code}`,
  );
}

describe('parseTokenInput: accepted forms', () => {
  it('bare base64', () => {
    const r = parseTokenInput(NTLM_B64);
    assert.deepEqual(
      { header: r.header, scheme: r.scheme, direction: r.direction, base64: r.base64 },
      { header: null, scheme: null, direction: null, base64: NTLM_B64 },
    );
    assert.deepEqual(r.bytes, NTLM_BYTES);
  });

  it('bare base64 with surrounding whitespace, line breaks and missing padding', () => {
    const wrapped = `\n  ${NTLM_B64.slice(0, 30)}\r\n${NTLM_B64.slice(30).replace(/=+$/, '')}\n`;
    assert.deepEqual(parseTokenInput(wrapped).bytes, NTLM_BYTES);
  });

  it('scheme + token, any case, canonical scheme spelling', () => {
    for (const [text, scheme] of [
      [`NTLM ${NTLM_B64}`, 'NTLM'],
      [`ntlm ${NTLM_B64}`, 'NTLM'],
      [`Negotiate ${NTLM_B64}`, 'Negotiate'],
      [`NEGOTIATE\t ${NTLM_B64}`, 'Negotiate'],
    ] as const) {
      const r = parseTokenInput(text);
      assert.equal(r.scheme, scheme, text);
      assert.equal(r.header, null);
      assert.deepEqual(r.bytes, NTLM_BYTES);
    }
  });

  it('whole header lines: request and challenge headers, any case, with or without space after the colon', () => {
    const cases = [
      ['Authorization: NTLM', 'Authorization', 'NTLM', 'client-to-server'],
      ['authorization:Negotiate', 'Authorization', 'Negotiate', 'client-to-server'],
      ['WWW-Authenticate: NTLM', 'WWW-Authenticate', 'NTLM', 'server-to-client'],
      ['www-authenticate:   negotiate', 'WWW-Authenticate', 'Negotiate', 'server-to-client'],
      ['Proxy-Authorization: Negotiate', 'Proxy-Authorization', 'Negotiate', 'client-to-server'],
      ['PROXY-AUTHORIZATION: ntlm', 'Proxy-Authorization', 'NTLM', 'client-to-server'],
      ['Proxy-Authenticate: NTLM', 'Proxy-Authenticate', 'NTLM', 'server-to-client'],
    ] as const;
    for (const [prefix, header, scheme, direction] of cases) {
      const r = parseTokenInput(`${prefix} ${NTLM_B64}\r\n`);
      assert.deepEqual({ header: r.header, scheme: r.scheme, direction: r.direction }, { header, scheme, direction }, prefix);
      assert.deepEqual(r.bytes, NTLM_BYTES, prefix);
    }
  });
});

describe('parseTokenInput: refused forms', () => {
  it('empty input, or a header / scheme without a token', () => {
    rejects('', 'EMPTY');
    rejects('  \n ', 'EMPTY');
    rejects('Authorization:', 'EMPTY', /Authorization header has no value/);
    rejects('WWW-Authenticate: NTLM', 'EMPTY', /NTLM header carries no token/);
    rejects('Negotiate', 'EMPTY');
  });

  it('schemes other than NTLM and Negotiate', () => {
    rejects('Basic dXNlcjpwYXNz', 'UNKNOWN_SCHEME', /"Basic"/);
    rejects('Authorization: Bearer abc.def', 'UNKNOWN_SCHEME', /"Bearer"/);
    rejects('WWW-Authenticate: Negotiate, NTLM', 'UNKNOWN_SCHEME', /"Negotiate,"/);
    // A header value must start with its scheme.
    rejects(`Authorization: ${NTLM_B64}`, 'UNKNOWN_SCHEME');
  });

  it('headers that are not authentication headers', () => {
    rejects(`Cookie: NTLM ${NTLM_B64}`, 'UNKNOWN_HEADER', /^Cookie is not an authentication header/);
    rejects(`X-Token:${NTLM_B64}`, 'UNKNOWN_HEADER');
  });

  it('bad base64', () => {
    rejects('TlRM!TVNT', 'BAD_BASE64');
    rejects(`NTLM ${NTLM_B64}*`, 'BAD_BASE64');
    rejects('NTLM TlRMT', 'BAD_BASE64'); // 5 characters: not a whole number of bytes
    rejects('NTLM TlRM=', 'BAD_BASE64'); // padding on an incomplete quantum
    rejects('NTLM TlRMTVNT=A==', 'BAD_BASE64'); // padding in the middle
  });
});
