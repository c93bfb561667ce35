// The account dump both import tests read: the service's (test/authority/import/) and the
// spawned CLI's (test/cli/accountImport.test.ts).

// NTOWFv1("password") and NTOWFv1("Secret1!"), in the upper case smbpasswd(5) writes.
export const PASSWORD = '8846F7EAEE8FB117AD06BDD830B7586C';
export const SECRET1 = '2B0FD3FACA9A8ACD5FDFFF6ECAE2C207';
/** The LM hash field of an account without an LM hash (smbpasswd(5)). */
export const LM_NONE = 'X'.repeat(32);

/** What `pdbedit -w -L` prints: smbpasswd(5) lines, including a disabled user and a machine trust account. */
export const PDBEDIT = [
  `alice:1000:${LM_NONE}:${PASSWORD}:[U          ]:LCT-65A1B2C3:`,
  `old:1001:${LM_NONE}:${SECRET1}:[DU         ]:LCT-65A1B2C3:`,
  `ws01$:1002:${LM_NONE}:0CB6948805F797BF2A82807973B89537:[W          ]:LCT-65A1B2C3:`,
  '',
].join('\n');
