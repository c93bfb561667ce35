/** Shared test plumbing: a deterministic client ↔ server NTLM handshake in process. */
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { NtlmClientContext, type NtlmClientOptions } from '../../src/ntlm/clientContext.js';
import { NtlmServerContext, type NtlmServerOptions, type NtlmServerStep } from '../../src/ntlm/serverContext.js';

export const ALICE = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' } as const;

export function authority(): MemoryAuthority {
  return new MemoryAuthority('CORP').add({
    domain: 'CORP',
    name: 'alice',
    password: ALICE.password,
    keepLmHash: true,
    sid: 'S-1-5-21-1-2-3-1104',
    groups: ['WebUsers'],
  });
}

/** A settable clock, so expiry is tested without waiting. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 10, 21, 12, 0, 0)) {}
  readonly now = (): number => this.ms;
}

export function serverOptions(extra: Partial<NtlmServerOptions> = {}): NtlmServerOptions {
  return {
    authority: authority(),
    netbiosComputerName: 'WEB1',
    netbiosDomainName: 'CORP',
    dnsComputerName: 'web1.corp.example.test',
    dnsDomainName: 'corp.example.test',
    dnsTreeName: 'corp.example.test',
    ...extra,
  };
}

export interface Handshake {
  client: NtlmClientContext;
  server: NtlmServerContext;
  negotiate: Buffer;
  challenge: Buffer;
  authenticate: Buffer;
  final: NtlmServerStep;
}

/** Runs NEGOTIATE → CHALLENGE → AUTHENTICATE; `tamper` may rewrite any leg on the wire. */
export async function handshake(
  clientOpts: Partial<NtlmClientOptions>,
  serverOpts: Partial<NtlmServerOptions> = {},
  tamper: { challenge?: (b: Buffer) => Buffer; authenticate?: (b: Buffer) => Buffer } = {},
): Promise<Handshake> {
  const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01', ...clientOpts });
  const server = new NtlmServerContext(serverOptions(serverOpts));
  const negotiate = client.negotiate();
  const first = await server.step(negotiate);
  if (first.status !== 'continue') throw new Error(`server refused NEGOTIATE: ${JSON.stringify(first)}`);
  const challenge = tamper.challenge ? tamper.challenge(first.token) : first.token;
  const authenticate0 = client.authenticate(challenge);
  const authenticate = tamper.authenticate ? tamper.authenticate(authenticate0) : authenticate0;
  const final = await server.step(authenticate);
  return { client, server, negotiate, challenge, authenticate, final };
}
