/**
 * Turns a session into the string stored in memcached and back (connect-redis's shape, so
 * `JSON` itself or a wrapper around superjson/devalue fits).
 */
export interface SessionSerializer {
  /** Encodes one session. */
  stringify(value: unknown): string;
  /** Decodes what `stringify` produced; may throw on bad input (the session is then missing). */
  parse(text: string): unknown;
}
