import type { SessionVersion } from '../session-engine.js';
import { sessionFingerprint } from './fingerprint.js';

/** Bound on remembered reads; the oldest is forgotten first (a forgotten read just means a plain write). */
const MAX_ENTRIES = 10_000;

/**
 * The last read of each session id in this process, for frameworks that copy the session
 * object (@fastify/session) so the read cannot be matched to its request. A write's CAS is
 * always the last *read*'s, so a write racing another request's is refused, never silently
 * applied; the last write is remembered only to recognise a re-save of the same data.
 */
export class VersionLedger {
  readonly #entries = new Map<string, { read: SessionVersion; written?: SessionVersion }>();
  readonly #maxEntries: number;

  /** @param maxEntries bound on remembered reads (lowered by tests to forget reads quickly). */
  constructor(maxEntries: number = MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** The version to write `session` against: the last write if it holds the same data, else the last read. */
  get(sid: string, session: object): SessionVersion | undefined {
    const entry = this.#entries.get(sid);
    if (entry === undefined) return undefined;
    if (entry.written !== undefined && entry.written.fingerprint === sessionFingerprint(session)) {
      return entry.written;
    }
    return entry.read;
  }

  /** Remembers a read. */
  set(sid: string, version: SessionVersion): void {
    this.#entries.delete(sid);
    this.#entries.set(sid, { read: version });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Remembers a successful write of a session that was read before. */
  noteWrite(sid: string, version: SessionVersion): void {
    const entry = this.#entries.get(sid);
    if (entry !== undefined) entry.written = version;
  }

  /** Forgets one session. */
  delete(sid: string): void {
    this.#entries.delete(sid);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }
}
