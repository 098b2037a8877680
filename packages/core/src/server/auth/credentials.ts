import { timingSafeEqual } from 'node:crypto';

/** A user name and password the server accepts (SASL PLAIN or ASCII auth). */
export interface ServerCredentials {
  readonly username: string;
  readonly password: string;
}

/** Compares without leaking, through timing, how much of a secret matched. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `username`/`password` (raw bytes) match one of `accepted`. */
export function checkCredentials(
  accepted: readonly ServerCredentials[],
  username: Buffer,
  password: Buffer,
): boolean {
  let ok = false;
  for (const c of accepted) {
    // Every entry is compared, so the time taken does not say which user exists.
    const user = sameBytes(Buffer.from(c.username, 'utf8'), username);
    const pass = sameBytes(Buffer.from(c.password, 'utf8'), password);
    if (user && pass) ok = true;
  }
  return ok;
}

/** memcached's MAX_ENTRIES: entries past the eighth of an auth file are ignored. */
const MAX_ENTRIES = 8;

/**
 * Parses a memcached auth file (`-Y`): one `user:password` per line, read as memcached's
 * authfile_load does (the user ends at the first `:`, the password at the line end; at most
 * eight entries).
 * @throws RangeError naming the line when one has no `:` (memcached refuses to start).
 */
export function parseAuthFile(text: string): ServerCredentials[] {
  const lines = text.split('\n');
  // A final newline ends the last entry; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  const out: ServerCredentials[] = [];
  for (let i = 0; i < lines.length && out.length < MAX_ENTRIES; i++) {
    const line = (lines[i] as string).replace(/\r.*$/, '');
    const colon = line.indexOf(':');
    if (colon < 0) {
      throw new RangeError(
        `Auth file line ${i + 1} has a malformed entry. Should be 'user:password'.`,
      );
    }
    out.push({ username: line.slice(0, colon), password: line.slice(colon + 1) });
  }
  return out;
}
