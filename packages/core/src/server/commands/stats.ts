import type { CommandHandler, ServerContext } from '../command.js';
import { LRU_COLD } from '../lru.js';
import { parseUint32 } from '../numbers.js';
import {
  connsStats,
  formatStats,
  generalStats,
  itemsStats,
  settingsStats,
  slabsStats,
} from '../stats-render.js';

/** memcached's MAX_NUMBER_OF_SLAB_CLASSES (63 + 1). */
const MAX_SLAB_CLASSES = 64;

/** memcached's item_cachedump: its response is capped at 2 MB. */
const CACHEDUMP_MAX = 2 * 1024 * 1024;

/**
 * memcached's item_cachedump: the COLD LRU of one class, newest first, `limit` keys (0 for
 * all), skipping binary keys; the expiry as a Unix time (0 for none).
 */
function cachedump(server: ServerContext, id: number, limit: number): string {
  let out = '';
  let shown = 0;
  const started = server.clock.processStarted;
  for (const item of server.store.segment(id, LRU_COLD)) {
    if (limit !== 0 && shown >= limit) break;
    if (item.keyBinary) continue;
    const exp = item.exptime === 0 ? 0 : item.exptime + started;
    const line = `ITEM ${item.key} [${item.value.length} b; ${exp} s]\r\n`;
    if (out.length + line.length + 6 > CACHEDUMP_MAX) break;
    out += line;
    shown++;
  }
  return `${out}END\r\n`;
}

/** stats [items|slabs|settings|sizes|conns|reset|detail|cachedump]. */
export const statsCommand: CommandHandler = (ctx, tokens) => {
  const server = ctx.server;
  const n = tokens.length;
  if (n === 1) {
    ctx.write(formatStats(generalStats(server)));
    return;
  }
  const sub = tokens[1]!;
  switch (sub) {
    case 'reset':
      server.stats.reset();
      server.prefixStats.clear();
      ctx.reply('RESET');
      return;
    case 'detail': {
      const arg = n < 3 ? '' : tokens[2]!;
      if (arg === 'on' || arg === 'off') {
        server.detailEnabled = arg === 'on';
        ctx.reply('OK');
      } else if (arg === 'dump') {
        ctx.write(server.prefixStats.dump());
      } else {
        ctx.reply('CLIENT_ERROR usage: stats detail on|off|dump');
      }
      return;
    }
    case 'settings':
      ctx.write(formatStats(settingsStats(server)));
      return;
    case 'cachedump': {
      if (n < 4) {
        ctx.reply('CLIENT_ERROR bad command line');
        return;
      }
      const id = parseUint32(tokens[2]!);
      const limit = parseUint32(tokens[3]!);
      if (id === undefined || limit === undefined) {
        ctx.reply('CLIENT_ERROR bad command line format');
        return;
      }
      if (id >= MAX_SLAB_CLASSES) {
        ctx.reply('CLIENT_ERROR Illegal slab id');
        return;
      }
      ctx.write(cachedump(server, id, limit));
      return;
    }
    case 'conns':
      ctx.write(formatStats(connsStats(server)));
      return;
    case 'items':
      ctx.write(formatStats(itemsStats(server)));
      return;
    case 'slabs':
      ctx.write(formatStats(slabsStats(server)));
      return;
    case 'extstore':
      // memcached built with extstore but started without a storage file lists nothing.
      ctx.write('END\r\n');
      return;
    case 'sizes':
      ctx.write('STAT sizes_status disabled\r\nEND\r\n');
      return;
    default:
      ctx.reply('ERROR');
  }
};
