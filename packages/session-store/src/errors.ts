/**
 * Two requests changed one session at once and the store was told (`cas: true`, no `merge`, or
 * merges exhausted) to refuse rather than let one change silently replace the other.
 */
export class SessionConflictError extends Error {
  /** Stable code to match on. */
  readonly code = 'ERR_SESSION_CONFLICT' as const;
  /** The session id whose write was refused. */
  readonly sessionId: string;

  constructor(sessionId: string, message: string) {
    super(message);
    this.name = 'SessionConflictError';
    this.sessionId = sessionId;
  }
}
