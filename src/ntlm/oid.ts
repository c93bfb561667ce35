/** NTLM SSP's GSS-API mechanism OID (MS-NLMP §1.9), under Microsoft's 1.3.6.1.4.1.311 arc. */
export const OID_NTLMSSP = '1.3.6.1.4.1.311.2.2.10';
