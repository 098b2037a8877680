/**
 * Two requests changed one session at once and the store was told (`cas: true`, no `merge`, or
 * merges exhausted) to refuse rather than let one change silently replace the other.
 */
export class SessionConflictError extends Error {
  /** Stable code to match on. */
  readonly code = 'ERR_SESSION_CONFLICT' as const;
  /**
   * First 12 hex digits of the SHA-256 of the session id: enough to correlate log lines, while
   * the id itself (a bearer credential) stays out of logs.
   */
  readonly sessionRef: string;

  constructor(sessionRef: string, message: string) {
    super(message);
    this.name = 'SessionConflictError';
    this.sessionRef = sessionRef;
  }
}
