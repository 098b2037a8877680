import type { CommandHandler } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { parseInt32 } from '../numbers.js';
import { setNoreplyMaybe } from './storage.js';

/** touch <key> <exptime> [noreply]. */
export const touchCommand: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n !== 3 && n !== 4) {
    ctx.reply('ERROR');
    return;
  }
  setNoreplyMaybe(ctx, tokens);
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
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
