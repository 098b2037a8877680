import type { CommandContext, CommandHandler } from '../command.js';
import { type Item, KEY_MAX_LENGTH } from '../item.js';
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
    if (!shouldTouch) {
      for (let i = first; i < last; i++) getKey(ctx, tokens[i]!, returnCas, silent);
      endGet(ctx, silent);
      return;
    }
    for (let i = first; i < last; i++) {
      const key = tokens[i]!;
      const item = store.get(key, true);
      if (server.detailEnabled) server.prefixStats.recordGet(key, item !== undefined);
      if (item !== undefined) {
        item.exptime = exptime;
        stats.touchCmds++;
        stats.slabs[item.slabClass]!.touchHits++;
        if (!silent) writeValue(ctx, key, item, returnCas);
      } else {
        stats.touchCmds++;
        stats.touchMisses++;
      }
    }
    endGet(ctx, silent);
  };
}

/** Where a get's VALUE blocks go: the connection, or a streamed get's own buffer. */
export type ReplySink = Pick<CommandContext, 'server' | 'write' | 'writeBuffer'>;

function writeValue(ctx: ReplySink, key: string, item: Item, returnCas: boolean): void {
  const value = item.value;
  ctx.write(
    returnCas
      ? `VALUE ${key} ${item.flags} ${value.length} ${item.cas}\r\n`
      : `VALUE ${key} ${item.flags} ${value.length}\r\n`,
  );
  ctx.writeBuffer(value);
  ctx.write('\r\n');
}

/**
 * One key of a `get`/`gets`: looked up (stats, LRU bump) and, unless the line already failed
 * (`silent`), answered with its VALUE block. Shared by the whole-line handler and the
 * connection's streamed multi-get (see streamed-get.ts).
 */
export function getKey(ctx: ReplySink, key: string, returnCas: boolean, silent: boolean): void {
  const server = ctx.server;
  const stats = server.stats;
  const item = server.store.get(key, true);
  if (server.detailEnabled) server.prefixStats.recordGet(key, item !== undefined);
  stats.getCmds++;
  if (item !== undefined) {
    stats.slabs[item.slabClass]!.getHits++;
    if (!silent) writeValue(ctx, key, item, returnCas);
  } else {
    stats.getMisses++;
  }
}

/** Ends a retrieval: END, or memcached's answer to an over-long key. */
export function endGet(ctx: CommandContext, silent: boolean): void {
  if (silent) {
    // memcached culls every unsent reply of the connection, not just this command's.
    ctx.discardPendingOutput();
    ctx.error('CLIENT_ERROR bad command line format');
  } else {
    ctx.write('END\r\n');
    ctx.transmit();
  }
}

/** get, gets, gat, gats (and memcached's ancient `bget` alias of get). */
export const retrievalCommands: Record<string, CommandHandler> = {
  get: getCommand(false, false),
  gets: getCommand(true, false),
  gat: getCommand(false, true),
  gats: getCommand(true, true),
  bget: getCommand(false, false),
};
