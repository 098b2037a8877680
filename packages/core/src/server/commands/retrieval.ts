import type { CommandContext, CommandHandler } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { parseInt32 } from '../numbers.js';

function getCommand(returnCas: boolean, shouldTouch: boolean): CommandHandler {
  return (ctx: CommandContext, tokens: string[]) => {
    const n = tokens.length;
    if (n < 2) {
      ctx.reply('ERROR');
      return;
    }
    const server = ctx.server;
    const store = server.store;
    const stats = server.stats;
    let first = 1;
    let exptime = 0;
    if (shouldTouch) {
      const e = parseInt32(tokens[1]!);
      if (e === undefined) {
        ctx.reply('CLIENT_ERROR invalid exptime argument');
        return;
      }
      exptime = server.clock.realtime(e < 0 ? -1 : e);
      first = 2;
    }
    // memcached stops at an over-long key and answers the error alone; the keys before it
    // were still looked up (stats, LRU bumps, touches).
    let last = n;
    for (let i = first; i < n; i++) {
      if (tokens[i]!.length > KEY_MAX_LENGTH) {
        last = i;
        break;
      }
    }
    const silent = last < n;
    for (let i = first; i < last; i++) {
      const key = tokens[i]!;
      const item = store.get(key, true);
      if (server.detailEnabled) server.prefixStats.recordGet(key, item !== undefined);
      if (item !== undefined) {
        if (shouldTouch) {
          item.exptime = exptime;
          stats.touchCmds++;
          stats.slabs[item.slabClass]!.touchHits++;
        } else {
          stats.getCmds++;
          stats.slabs[item.slabClass]!.getHits++;
        }
        if (silent) continue;
        const value = item.value;
        ctx.write(
          returnCas
            ? `VALUE ${key} ${item.flags} ${value.length} ${item.cas}\r\n`
            : `VALUE ${key} ${item.flags} ${value.length}\r\n`,
        );
        ctx.writeBuffer(value);
        ctx.write('\r\n');
      } else if (shouldTouch) {
        stats.touchCmds++;
        stats.touchMisses++;
      } else {
        stats.getCmds++;
        stats.getMisses++;
      }
    }
    if (silent) {
      // memcached culls every unsent reply of the connection, not just this command's.
      ctx.discardPendingOutput();
      ctx.error('CLIENT_ERROR bad command line format');
    } else {
      ctx.write('END\r\n');
      ctx.transmit();
    }
  };
}

/** get, gets, gat, gats (and memcached's ancient `bget` alias of get). */
export const retrievalCommands: Record<string, CommandHandler> = {
  get: getCommand(false, false),
  gets: getCommand(true, false),
  gat: getCommand(false, true),
  gats: getCommand(true, true),
  bget: getCommand(false, false),
};
