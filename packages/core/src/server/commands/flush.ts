import type { CommandHandler } from '../command.js';
import { parseInt32 } from '../numbers.js';
import { setNoreplyMaybe } from './storage.js';

/** flush_all [delay] [noreply]: marks everything older than now (or now + delay) dead. */
export const flushAllCommand: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n < 1 || n > 3) {
    ctx.reply('ERROR');
    return;
  }
  const noreply = setNoreplyMaybe(ctx, tokens);
  const { store, stats, clock, settings } = ctx.server;
  stats.flushCmds++;
  if (!settings.flushEnabled) {
    ctx.reply('CLIENT_ERROR flush_all not allowed');
    return;
  }
  let exptime = 0;
  if (n !== (noreply ? 2 : 1)) {
    const e = parseInt32(tokens[1]!);
    if (e === undefined) {
      ctx.reply('CLIENT_ERROR invalid exptime argument');
      return;
    }
    exptime = e;
  }
  store.flush(exptime > 0 ? clock.realtime(exptime) : clock.now());
  ctx.reply('OK');
};
