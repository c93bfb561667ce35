/** The page both bench servers answer with (about the size of the Apache peer's static page). */
export const PAGE = Buffer.from('hello from node:http, the ntlmgate bench server (authenticated)\n');
export const PAGE_HEADERS = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(PAGE.length) } as const;
