import { MemcachedProtocolError } from '../errors.js';
import type { Reply } from '../protocol/reply-parser.js';

/**
 * Status of a meta reply: `VA` value follows, `HD` success without value, `EN` miss, `NF` not
 * found, `NS` not stored, `EX` CAS mismatch, `MN` no-op.
 */
export type MetaStatus = 'VA' | 'HD' | 'EN' | 'NF' | 'NS' | 'EX' | 'MN';

/**
 * Request flags of a meta command, one token each, e.g. `['v', 'c', 't', 'N30', 'R10']`.
 * Quiet mode (`q`) and base64 keys (`b`) are refused: every request here gets exactly one reply
 * and keys are validated as text.
 */
export type MetaFlags = readonly string[];

/** A parsed meta reply. */
export interface MetaResult {
  status: MetaStatus;
  /**
   * Return flags by letter with their token (`''` for bare ones): `{ c: '41', t: '-1', W: '' }`.
   * `W` (you won the right to recache), `X` (stale) and `Z` (a win was already handed out)
   * are what stampede protection reads.
   */
  flags: Record<string, string>;
  /** The value bytes of a `VA` reply. */
  value: Buffer | undefined;
}

const STATUSES = new Set<string>(['VA', 'HD', 'EN', 'NF', 'NS', 'EX', 'MN']);
const FLAG_TOKEN = /^[A-Za-z][\x21-\x7e]*$/;

/**
 * Joins request flags into the command line's tail (with a leading space when non-empty).
 * @throws RangeError on a malformed flag or `q`/`b`.
 */
export function encodeMetaFlags(flags: MetaFlags): string {
  let out = '';
  for (const flag of flags) {
    if (typeof flag !== 'string' || !FLAG_TOKEN.test(flag)) {
      throw new RangeError(
        `Invalid meta flag ${JSON.stringify(flag)}: expected a letter followed by printable ASCII.`,
      );
    }
    if (flag[0] === 'q' || flag[0] === 'b') {
      throw new RangeError(
        `Invalid meta flag "${flag}": quiet mode and base64 keys are not supported here.`,
      );
    }
    out += ` ${flag}`;
  }
  return out;
}

/**
 * Parses one meta reply.
 * @throws MemcachedProtocolError on a line that is not a meta reply.
 */
export function parseMetaReply(reply: Reply, server: string): MetaResult {
  const tokens = reply.line.split(' ');
  const status = tokens[0] ?? '';
  if (!STATUSES.has(status)) {
    throw new MemcachedProtocolError(
      `Unexpected reply to a meta command: ${JSON.stringify(reply.line.slice(0, 80))}`,
      { server },
    );
  }
  const flags: Record<string, string> = {};
  // VA's first token is the value size, not a flag.
  for (let i = status === 'VA' ? 2 : 1; i < tokens.length; i++) {
    const token = tokens[i];
    if (token) flags[token[0] as string] = token.slice(1);
  }
  return { status: status as MetaStatus, flags, value: reply.data };
}
