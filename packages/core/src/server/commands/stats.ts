import type { CommandHandler } from '../command.js';
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
      // memcached dumps only the COLD LRU, where fresh items never are; memkit keeps no
      // segmented LRU, so the dump is what memcached shows for a recently written cache.
      ctx.write('END\r\n');
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
    case 'sizes':
      ctx.write('STAT sizes_status disabled\r\nEND\r\n');
      return;
    default:
      ctx.reply('ERROR');
  }
};
