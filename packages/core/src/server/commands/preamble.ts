import type { CommandContext } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { setNoreplyMaybe } from './storage.js';

/**
 * The checks memcached makes, in its order, on a `<command> <key> <argument> [noreply]` line
 * (incr, decr, touch): token count, noreply, key length. Returns the key, or undefined once the
 * error has been answered.
 */
export function keyWithArgument(ctx: CommandContext, tokens: string[]): string | undefined {
  const n = tokens.length;
  if (n !== 3 && n !== 4) {
    ctx.reply('ERROR');
    return undefined;
  }
  setNoreplyMaybe(ctx, tokens);
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return undefined;
  }
  return key;
}
