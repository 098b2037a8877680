import type { CommandHandler } from '../command.js';
import { parseInt32 } from '../numbers.js';
import { keyWithArgument } from './preamble.js';

/** touch <key> <exptime> [noreply]. */
export const touchCommand: CommandHandler = (ctx, tokens) => {
  const key = keyWithArgument(ctx, tokens);
  if (key === undefined) return;
  const e = parseInt32(tokens[2]!);
  if (e === undefined) {
    ctx.reply('CLIENT_ERROR invalid exptime argument');
    return;
  }
  const { store, stats, clock } = ctx.server;
  const exptime = clock.realtime(e < 0 ? -1 : e);
  const item = store.get(key, true);
  stats.touchCmds++;
  if (item !== undefined) {
    item.exptime = exptime;
    stats.slabs[item.slabClass]!.touchHits++;
    ctx.reply('TOUCHED');
  } else {
    stats.touchMisses++;
    ctx.reply('NOT_FOUND');
  }
};
