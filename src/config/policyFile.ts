/** Reads a policy file (YAML or JSON) and parses it; src/policy itself stays free of I/O. File-system errors are thrown as they come. */
import { readFile } from 'node:fs/promises';
import { parsePolicyText } from '../policy/load.js';
import type { NtlmPolicy } from '../policy/policy.js';

export async function loadPolicyFile(path: string): Promise<NtlmPolicy> {
  return parsePolicyText(await readFile(path, 'utf8'), path);
}
