/** NTSTATUS codes (MS-ERREF §2.3.1) of the statuses an authority returns, for the events' Status field. */
import type { AuthorityStatus } from '../ntlm/authority.js';

export const NTSTATUS: Readonly<Record<AuthorityStatus, number>> = {
  STATUS_SUCCESS: 0x00000000,
  STATUS_NO_SUCH_USER: 0xc0000064,
  STATUS_WRONG_PASSWORD: 0xc000006a,
  STATUS_LOGON_FAILURE: 0xc000006d,
  STATUS_PASSWORD_EXPIRED: 0xc0000071,
  STATUS_ACCOUNT_DISABLED: 0xc0000072,
  STATUS_ACCOUNT_LOCKED_OUT: 0xc0000234,
  STATUS_NTLM_BLOCKED: 0xc0000418,
};
