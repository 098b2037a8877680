// memcached's rules for splitting a request line, shared by the connection and its tests.

/** memcached's limit for a request line that has no newline yet (get/gets excepted). */
export const LINE_LIMIT = 2048;
/** memcached reads into a 16 KiB buffer: a longer non-get line never shows its newline. */
export const READ_BUFFER_SIZE = 16 * 1024;
/**
 * Upper bound for one multi-get line. memcached lets these grow without limit; we stop at
 * 8 MiB (over 30 000 keys of 250 bytes) so a client cannot make us buffer without bound.
 */
export const MULTIGET_LINE_LIMIT = 8 * 1024 * 1024;
/** Whether an unterminated long line may keep growing: memcached's multi-get exception. */
export function isMultiGet(buf: Buffer, pos: number, end: number): boolean {
  let p = pos;
  while (p < end && buf[p] === 32) p++;
  if (p - pos > 100) return false;
  if (buf[p] !== 0x67 || buf[p + 1] !== 0x65 || buf[p + 2] !== 0x74) return false; // "get"
  const c = buf[p + 3];
  return c === 32 || (c === 0x73 && buf[p + 4] === 32);
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
