import type { CommandHandler } from '../command.js';
import { parseInt32, parseUint32 } from '../numbers.js';
import { MEMCACHED_VERSION } from '../stats-render.js';
import { setNoreplyMaybe } from './storage.js';

/** memcached's uriencode for metadump keys: unreserved bytes kept, the rest %XX. */
function uriEncode(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const keep =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 45 ||
      c === 46 ||
      c === 95 ||
      c === 126;
    out += keep ? key[i] : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** memcached's MAX_VERBOSITY_LEVEL. */
const MAX_VERBOSITY = 2;

const version: CommandHandler = (ctx) => {
  ctx.reply(`VERSION ${MEMCACHED_VERSION}`);
};

const quit: CommandHandler = (ctx) => {
  ctx.close();
};

const verbosity: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n !== 2 && n !== 3) {
    ctx.reply('ERROR');
    return;
  }
  setNoreplyMaybe(ctx, tokens);
  const level = parseUint32(tokens[1]!);
  if (level === undefined) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
  ctx.server.verbosity = Math.min(level, MAX_VERBOSITY);
  ctx.reply('OK');
};

const shutdown: CommandHandler = (ctx) => {
  // memcached only honours shutdown when started with -A; memkit never enables it.
  ctx.reply('ERROR: shutdown not enabled');
};

const cacheMemlimit: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n !== 2 && n !== 3) {
    ctx.reply('ERROR');
    return;
  }
  setNoreplyMaybe(ctx, tokens);
  const mb = parseUint32(tokens[1]!);
  if (mb === undefined) ctx.reply('ERROR');
  else if (mb < 8) ctx.reply('MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m');
  else if (mb > 1000000000) ctx.reply('MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes');
  else {
    ctx.server.store.setLimit(mb * 1024 * 1024);
    ctx.reply('OK');
  }
};

const slabs: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n === 4 && tokens[1] === 'reassign') {
    const src = parseInt32(tokens[2]!);
    const dst = parseInt32(tokens[3]!);
    if (src === undefined || dst === undefined) {
      ctx.reply('CLIENT_ERROR bad command line format');
      return;
    }
    const classes = ctx.server.slabClasses.length;
    if (src === dst) ctx.reply('SAME src and dst class are identical');
    else if (src < -1 || src === 0 || src > classes || dst < 1 || dst > classes)
      ctx.reply('BADCLASS invalid src or dst class id');
    else ctx.reply('NOSPARE source class has no spare pages');
    return;
  }
  if (n >= 3 && tokens[1] === 'automove') {
    setNoreplyMaybe(ctx, tokens);
    if (tokens[2] === 'ratio') {
      if (n < 4 || Number.isNaN(Number.parseFloat(tokens[3]!))) ctx.reply('ERROR');
      else ctx.reply('OK');
      return;
    }
    const level = parseUint32(tokens[2]!);
    if (level === undefined) ctx.reply('CLIENT_ERROR bad command line format');
    else if (level > 2) ctx.reply('ERROR');
    else ctx.reply('OK');
    return;
  }
  ctx.reply('ERROR');
};

const lruCrawler: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  const sub = tokens[1];
  const server = ctx.server;
  if (n === 3 && sub === 'crawl') {
    // A crawl reclaims what is already dead; doing it inline is what the thread would do.
    server.store.reclaimDead();
    ctx.reply('OK');
    return;
  }
  if (n === 3 && sub === 'metadump') {
    if (ctx.hasPendingOutput()) {
      ctx.reply('ERROR cannot pipeline other commands before metadump');
      return;
    }
    const started = server.clock.processStarted;
    const now = server.clock.now();
    let s = '';
    for (const item of server.store.values()) {
      if (server.store.isDead(item, now)) continue;
      const exp = item.exptime === 0 ? -1 : item.exptime + started;
      s += `key=${uriEncode(item.key)} exp=${exp} la=${item.time + started} cas=${item.cas} fetch=${item.fetched ? 'yes' : 'no'} cls=${item.slabClass} size=${item.size}\n`;
    }
    ctx.write(`${s}END\r\n`);
    return;
  }
  if (n === 3 && (sub === 'tocrawl' || sub === 'sleep')) {
    const v = parseUint32(tokens[2]!);
    if (v === undefined) ctx.reply('CLIENT_ERROR bad command line format');
    else if (sub === 'sleep' && v > 1000000)
      ctx.reply('CLIENT_ERROR sleep must be one second or less');
    else ctx.reply('OK');
    return;
  }
  if (n === 2 && sub === 'enable') {
    // The crawler is always on, as in a default memcached, so starting it again fails.
    ctx.reply('ERROR failed to start lru crawler thread');
    return;
  }
  if (n === 2 && sub === 'disable') {
    ctx.reply('OK');
    return;
  }
  ctx.reply('ERROR');
};

const lru: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  if (n < 2) {
    ctx.reply('ERROR');
    return;
  }
  setNoreplyMaybe(ctx, tokens);
  const sub = tokens[1];
  if (sub === 'tune' && n >= 6) {
    const hot = parseUint32(tokens[2]!);
    const warm = parseUint32(tokens[3]!);
    const hotFactor = Number.parseFloat(tokens[4]!);
    const factor = Number.parseFloat(tokens[5]!);
    if (hot === undefined || warm === undefined || Number.isNaN(hotFactor) || Number.isNaN(factor))
      ctx.reply('ERROR');
    else if (hot + warm > 80) ctx.reply('ERROR hot and warm pcts must not exceed 80');
    else if (factor <= 0 || hotFactor <= 0)
      ctx.reply('ERROR hot/warm age factors must be greater than 0');
    else ctx.reply('OK');
  } else if (sub === 'mode' && n >= 3) {
    ctx.reply(tokens[2] === 'flat' || tokens[2] === 'segmented' ? 'OK' : 'ERROR');
  } else if (sub === 'temp_ttl' && n >= 3) {
    ctx.reply(parseInt32(tokens[2]!) === undefined ? 'ERROR' : 'OK');
  } else {
    ctx.reply('ERROR');
  }
};

const watch: CommandHandler = (ctx) => {
  // memcached turns the connection into a log stream and stops reading commands from it.
  // memkit has no log events to stream, so the watcher just sees nothing after OK.
  ctx.reply('OK');
  ctx.swallow(Number.POSITIVE_INFINITY);
};

/** version, quit, verbosity, shutdown, cache_memlimit, slabs, lru_crawler, lru, watch. */
export const miscCommands: Record<string, CommandHandler> = {
  version,
  quit,
  verbosity,
  shutdown,
  cache_memlimit: cacheMemlimit,
  slabs,
  lru_crawler: lruCrawler,
  lru,
  watch,
};
