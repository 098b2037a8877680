/**
 * One conformance script: bytes sent to both servers on a fresh connection. Strings are
 * latin1, so every byte 0-255 can be written literally (`\x00`, `\xff`).
 */
export interface ConformanceScript {
  /** Unique, readable name; shown when the replies differ. */
  name: string;
  /**
   * Segments sent in order. Before each segment after the first the runner waits until the
   * server has answered everything sent so far, then substitutes `{c1}`, `{c2}`... with the
   * first, second... distinct CAS value seen in the replies (so `cas` and `ms C` can be tested
   * although the two servers number CAS differently). Segments end on command boundaries.
   */
  steps: string[];
  /**
   * `sentinel` (default): the connection stays open; a sentinel request marks the end.
   * `close`: the server closes the connection (quit, fatal errors); read until it does.
   */
  end?: 'sentinel' | 'close';
  /** Run on freshly started servers (scripts whose replies depend on global state: stats). */
  fresh?: boolean;
  /** Also send this script one byte per write. */
  bytewise?: boolean;
  /**
   * Only these send modes. For behaviour memcached itself decides per read() call (a line
   * over 2048 bytes closes the connection only if no newline has arrived yet), splitting the
   * bytes makes memcached's own reply depend on timing, so such scripts are sent whole.
   */
  modes?: SendMode[];
  /**
   * End when the replies end with this string instead of sending the sync request. For
   * `stats` scripts: memcached counts bytes_read when it reads, so a sync request arriving in
   * the same read as the final `stats` would be counted by it, or not, depending on timing.
   */
  until?: string | readonly (string | undefined)[];
  /**
   * A binary-protocol script (built with `lib/binary.ts`): steps end with a binary NOOP sync
   * request, `{cas:NN}` placeholders stand for CAS values, and replies are compared packet by
   * packet.
   */
  binary?: boolean;
}

/** How the bytes of a script are cut into writes. */
export type SendMode = 'whole' | 'split' | 'bytewise';

/** Shorthand for a one-segment script. */
export function script(
  name: string,
  text: string,
  extra: Omit<ConformanceScript, 'name' | 'steps'> = {},
): ConformanceScript {
  return { name, steps: [text], ...extra };
}

/** Shorthand for a script that needs CAS placeholders between segments. */
export function stepped(
  name: string,
  steps: string[],
  extra: Omit<ConformanceScript, 'name' | 'steps'> = {},
): ConformanceScript {
  return { name, steps, ...extra };
}

/** A text-protocol storage command line plus its data block. */
export function store(
  cmd: string,
  key: string,
  value: string,
  opts: {
    flags?: number | string;
    exptime?: number | string;
    noreply?: boolean;
    cas?: string;
  } = {},
): string {
  const parts = [
    cmd,
    key,
    String(opts.flags ?? 0),
    String(opts.exptime ?? 0),
    String(value.length),
  ];
  if (opts.cas !== undefined) parts.push(opts.cas);
  if (opts.noreply) parts.push('noreply');
  return `${parts.join(' ')}\r\n${value}\r\n`;
}
