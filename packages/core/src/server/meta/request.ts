import type { CommandContext } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { MAX_META_TOKENS, META_ERRORS, type MetaFlags, parseMetaFlags } from './flags.js';

/** Which error line a command answers for each way its request line can be wrong. */
export interface MetaRequestErrors {
  /** Sent when the line has more tokens than memcached accepts (its text differs for `mg`). */
  readonly tooManyFlags: string;
  /** Sent for any bad flag; when omitted, the parser's own message is sent (as `mg` does). */
  readonly badFlag?: string;
}

/**
 * The checks `mg`, `md` and `ma` run before their own work, in memcached's order: a missing
 * key is `ERROR`, an over-long key a format error, then the token limit, then the flags.
 * Answers the error itself and returns undefined, or returns the parsed flags.
 */
export function openMetaRequest(
  ctx: CommandContext,
  tokens: readonly string[],
  errors: MetaRequestErrors,
): MetaFlags | undefined {
  if (tokens.length < 2) {
    ctx.reply('ERROR');
    return undefined;
  }
  const rawKey = tokens[1] as string;
  if (rawKey.length > KEY_MAX_LENGTH) {
    ctx.error(META_ERRORS.format);
    return undefined;
  }
  if (tokens.length + 1 > MAX_META_TOKENS) {
    ctx.error(errors.tooManyFlags);
    return undefined;
  }
  const f = parseMetaFlags(tokens, 2, rawKey, ctx.server.clock);
  if (f.error !== undefined) {
    ctx.error(errors.badFlag ?? f.error);
    return undefined;
  }
  return f;
}
