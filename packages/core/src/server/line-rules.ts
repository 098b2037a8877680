// memcached's rules for splitting a request line, shared by the connection and its tests.

/** memcached's limit for a request line that has no newline yet (get/gets excepted). */
export const LINE_LIMIT = 2048;
/** memcached reads into a 16 KiB buffer: a longer non-get line never shows its newline. */
export const READ_BUFFER_SIZE = 16 * 1024;
/** memcached's MAX_TOKENS: a line splits into at most 23 tokens plus the unsplit rest. */
export const MAX_TOKENS = 24;
/**
 * memcached's multi-get exception to the line bound: up to 100 spaces, then `get ` or `gets `.
 * Returns the offset just past that space (where the keys start), or -1 for any other line.
 */
export function isMultiGet(buf: Buffer, pos: number, end: number): number {
  let p = pos;
  while (p < end && buf[p] === 32) p++;
  if (p - pos > 100) return -1;
  if (buf[p] !== 0x67 || buf[p + 1] !== 0x65 || buf[p + 2] !== 0x74) return -1; // "get"
  const c = buf[p + 3];
  if (c === 32) return p + 4;
  return c === 0x73 && buf[p + 4] === 32 ? p + 5 : -1;
}

/** memcached's tokenizer: split on single spaces, empty tokens dropped. Tabs stay in tokens. */
export function tokenize(line: string): string[] {
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '') return parts.filter((p) => p !== '');
  }
  return parts;
}

/**
 * The tokens of a plain `get`/`gets` line (single spaces, no NUL), read straight from the
 * bytes: the commonest request skips building the line string and splitting it. Undefined
 * when the line needs the general path (other commands, runs of spaces, NUL bytes).
 */
export function retrievalTokens(buf: Buffer, start: number, end: number): string[] | undefined {
  if (buf[start] !== 0x67 || buf[start + 1] !== 0x65 || buf[start + 2] !== 0x74) return undefined;
  let p = start + 3;
  let name: string;
  if (buf[p] === 0x20) {
    name = 'get';
  } else if (buf[p] === 0x73 && buf[p + 1] === 0x20) {
    name = 'gets';
    p++;
  } else {
    return undefined;
  }
  p++;
  const tokens = [name];
  let from = p;
  for (; p < end; p++) {
    const c = buf[p];
    if (c === 0x20) {
      if (p === from) return undefined;
      tokens.push(buf.toString('latin1', from, p));
      from = p + 1;
    } else if (c === 0) {
      return undefined;
    }
  }
  if (from >= end) return undefined;
  tokens.push(buf.toString('latin1', from, end));
  return tokens;
}

/**
 * memcached 1.6.18's cross-protocol guard (the last branch of process_command_ascii): a line
 * whose command it does not know, whose name does not start with a letter of a command family
 * (g, s, a, c, i, d, t, or a two-letter m...), and whose last token (the 23rd when there are
 * more) starts with `HTTP/`, closes the connection without a reply. A browser tricked into
 * posting to a cache port thus never sees a reply it could script. `tokens[0]` is at least two
 * characters long and names no known command.
 */
export function hangsUpOn(tokens: readonly string[]): boolean {
  const name = tokens[0]!;
  const first = name.charCodeAt(0);
  // g s a c i d t: memcached answers ERROR inside those branches before the guard is reached.
  if (
    first === 0x67 ||
    first === 0x73 ||
    first === 0x61 ||
    first === 0x63 ||
    first === 0x69 ||
    first === 0x64 ||
    first === 0x74
  )
    return false;
  if (first === 0x6d && name.length === 2) return false;
  const last = tokens[Math.min(tokens.length, MAX_TOKENS - 1) - 1]!;
  return last.startsWith('HTTP/');
}
