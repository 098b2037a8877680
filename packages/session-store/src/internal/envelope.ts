/*
 * Stored value layout: "m1:<generation>:<payload>". The generation is the store's namespace
 * version at write time; `clear()` bumps the version so older sessions read as missing without
 * enumerating keys (memcached cannot) and without flush_all (which would wipe other tenants).
 */

const MAGIC = 'm1:';

/**
 * What `destroy` leaves behind: a value no session encodes to (no generation digits), so a
 * write that does not know the session's version can tell "logged out" from "never existed".
 */
const TOMBSTONE = 'm1:destroyed';

/** The marker value of a destroyed session. */
export function encodeTombstone(): string {
  return TOMBSTONE;
}

/** Whether a stored value is the marker `destroy` left. */
export function isTombstone(stored: Buffer): boolean {
  return stored.length === TOMBSTONE.length && stored.toString('latin1') === TOMBSTONE;
}

/** Wraps a serialized session with the namespace generation it was written under. */
export function encodeEnvelope(generation: number, payload: string): string {
  return `${MAGIC}${generation}:${payload}`;
}

/** Splits a stored value; `null` when it is not one of ours (another client's data). */
export function decodeEnvelope(stored: string): { generation: number; payload: string } | null {
  if (!stored.startsWith(MAGIC)) return null;
  const colon = stored.indexOf(':', MAGIC.length);
  if (colon < 0) return null;
  const digits = stored.slice(MAGIC.length, colon);
  if (!/^\d{1,16}$/.test(digits)) return null;
  return { generation: Number(digits), payload: stored.slice(colon + 1) };
}

/**
 * Whether a session written under `sessionGeneration` is still live when the namespace is at
 * `current` (`undefined` = the version key is missing). A missing key with a session written
 * after a clear means the key was evicted: fail closed rather than resurrect cleared sessions.
 */
export function generationIsLive(sessionGeneration: number, current: number | undefined): boolean {
  if (current === undefined) return sessionGeneration === 0;
  return sessionGeneration >= current;
}
