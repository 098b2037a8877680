import type { CommandHandler } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { setNoreplyMaybe } from './storage.js';

/** delete <key> [0] [noreply] (memcached still accepts a legacy hold time of 0). */
export const deleteCommand: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n < 2 || n > 4) {
    ctx.reply('ERROR');
    return;
  }
  if (n > 2) {
    const holdIsZero = tokens[2] === '0';
    const noreply = setNoreplyMaybe(ctx, tokens);
    const valid = (n === 3 && (holdIsZero || noreply)) || (n === 4 && holdIsZero && noreply);
    if (!valid) {
      ctx.reply('CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]');
      return;
    }
  }
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
  const { store, stats, detailEnabled, prefixStats } = ctx.server;
  if (detailEnabled) prefixStats.recordDelete(key);
  const item = store.get(key, false);
  if (item !== undefined) {
    stats.slabs[item.slabClass]!.deleteHits++;
    store.unlink(item);
    ctx.reply('DELETED');
  } else {
    stats.deleteMisses++;
    ctx.reply('NOT_FOUND');
  }
};
