import type { CommandHandler } from '../command.js';
import { parseInt32, parseUint32 } from '../numbers.js';
import { MEMCACHED_VERSION } from '../stats-render.js';
import { parseDouble } from '../tunables.js';
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
    const t = ctx.server.tunables;
    if (tokens[2] === 'ratio') {
      const ratio = n < 4 ? undefined : parseDouble(tokens[3]!);
      if (ratio === undefined) ctx.reply('ERROR');
      else {
        t.slabAutomoveRatio = ratio;
        ctx.reply('OK');
      }
      return;
    }
    const level = parseUint32(tokens[2]!);
    if (level === undefined) ctx.reply('CLIENT_ERROR bad command line format');
    else if (level > 2) ctx.reply('ERROR');
    else {
      t.slabAutomove = level;
      ctx.reply('OK');
    }
    return;
  }
  ctx.reply('ERROR');
};

/** memcached's MAX_NUMBER_OF_SLAB_CLASSES (63 + 1). */
const SLAB_CLASS_LIMIT = 64;

/**
 * lru_crawler_crawl's class argument: `all`, or ids separated by commas (empty ones skipped).
 * Returns the ids (undefined for all), 'hash', or 'bad' for memcached's BADCLASS.
 */
function crawlClasses(arg: string): Set<number> | undefined | 'hash' | 'bad' {
  if (arg === 'all') return undefined;
  if (arg === 'hash') return 'hash';
  const ids = new Set<number>();
  for (const part of arg.split(',')) {
    if (part === '') continue;
    const id = parseUint32(part);
    if (id === undefined || id < 1 || id >= SLAB_CLASS_LIMIT) return 'bad';
    ids.add(id);
  }
  return ids;
}

const lruCrawler: CommandHandler = (ctx, tokens) => {
  const n = tokens.length;
  const sub = tokens[1];
  const server = ctx.server;
  if (n === 3 && (sub === 'crawl' || sub === 'metadump')) {
    if (!server.tunables.lruCrawlerEnabled) {
      ctx.reply('CLIENT_ERROR lru crawler disabled');
      return;
    }
    if (sub === 'metadump' && ctx.hasPendingOutput()) {
      ctx.reply('ERROR cannot pipeline other commands before metadump');
      return;
    }
    const classes = crawlClasses(tokens[2]!);
    if (classes === 'bad') {
      ctx.reply('BADCLASS invalid class id');
      return;
    }
    if (classes === 'hash' && sub === 'crawl') {
      // memcached walks the hash table only for metadump.
      ctx.reply('ERROR an unknown error happened');
      return;
    }
    const only = classes === 'hash' ? undefined : classes;
    if (only !== undefined && only.size === 0) {
      ctx.reply('NOTSTARTED no items to crawl');
      return;
    }
    if (sub === 'crawl') {
      // A crawl reclaims what is already dead; doing it inline is what the thread would do.
      server.store.reclaimDead(only);
      ctx.reply('OK');
      return;
    }
    const started = server.clock.processStarted;
    const now = server.clock.now();
    let s = '';
    for (const item of server.store.values()) {
      if (only !== undefined && !only.has(item.slabClass)) continue;
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
    else {
      if (sub === 'sleep') server.tunables.lruCrawlerSleep = v;
      else server.tunables.lruCrawlerTocrawl = v;
      ctx.reply('OK');
    }
    return;
  }
  if (n === 2 && sub === 'enable') {
    // memcached fails to start a crawler thread that is already running.
    if (server.tunables.lruCrawlerEnabled) ctx.reply('ERROR failed to start lru crawler thread');
    else {
      server.tunables.lruCrawlerEnabled = true;
      ctx.reply('OK');
    }
    return;
  }
  if (n === 2 && sub === 'disable') {
    if (server.tunables.lruCrawlerEnabled) {
      server.tunables.lruCrawlerEnabled = false;
      ctx.reply('OK');
    } else ctx.reply('ERROR failed to stop lru crawler thread');
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
  const t = ctx.server.tunables;
  const sub = tokens[1];
  if (sub === 'tune' && n >= 6) {
    const hot = parseUint32(tokens[2]!);
    const warm = parseUint32(tokens[3]!);
    const hotFactor = parseDouble(tokens[4]!);
    const factor = parseDouble(tokens[5]!);
    if (hot === undefined || warm === undefined || hotFactor === undefined || factor === undefined)
      ctx.reply('ERROR');
    else if (hot + warm > 80) ctx.reply('ERROR hot and warm pcts must not exceed 80');
    else if (factor <= 0 || hotFactor <= 0)
      ctx.reply('ERROR hot/warm age factors must be greater than 0');
    else {
      t.hotLruPct = hot;
      t.warmLruPct = warm;
      t.hotMaxFactor = hotFactor;
      t.warmMaxFactor = factor;
      ctx.reply('OK');
    }
  } else if (sub === 'mode' && n >= 3) {
    if (tokens[2] === 'flat' || tokens[2] === 'segmented') {
      t.lruSegmented = tokens[2] === 'segmented';
      ctx.reply('OK');
    } else ctx.reply('ERROR');
  } else if (sub === 'temp_ttl' && n >= 3) {
    const ttl = parseInt32(tokens[2]!);
    if (ttl === undefined) ctx.reply('ERROR');
    else {
      t.tempLru = ttl >= 0;
      if (ttl >= 0) t.temporaryTtl = ttl;
      ctx.reply('OK');
    }
  } else {
    ctx.reply('ERROR');
  }
};

/** memcached's MAX_NUMBER_OF_SLAB_CLASSES. */
const MAX_SLAB_CLASSES = 64;

const extstore: CommandHandler = (ctx, tokens) => {
  // memcached 1.6.18 as Debian builds it has extstore compiled in (not configured), so the
  // command tunes settings that `stats settings` shows.
  setNoreplyMaybe(ctx, tokens);
  const n = tokens.length;
  const t = ctx.server.tunables;
  const sub = tokens[1];
  const arg = tokens[2] ?? '';
  let ok = n >= 3;
  if (!ok) {
    // fewer than two arguments
  } else if (sub === 'free_memchunks' && n > 3) {
    const cls = parseUint32(arg);
    ok = cls !== undefined && parseUint32(tokens[3]!) !== undefined && cls < MAX_SLAB_CLASSES;
  } else if (sub === 'max_frag') {
    const v = parseDouble(arg);
    if (v === undefined) ok = false;
    else t.extMaxFrag = v;
  } else {
    const v = parseUint32(arg);
    if (v === undefined) ok = false;
    else if (sub === 'item_size') t.extItemSize = v;
    else if (sub === 'item_age') t.extItemAge = v;
    else if (sub === 'low_ttl') t.extLowTtl = v;
    else if (sub === 'recache_rate') t.extRecacheRate = v;
    else if (sub === 'compact_under') t.extCompactUnder = v;
    else if (sub === 'drop_under') t.extDropUnder = v;
    else if (sub === 'max_sleep') t.extMaxSleep = v;
    else if (sub === 'drop_unread') t.extDropUnread = v !== 0;
    else ok = false;
  }
  ctx.reply(ok ? 'OK' : 'ERROR');
};

const watch: CommandHandler = (ctx) => {
  // memcached turns the connection into a log stream and stops reading commands from it.
  // memkit has no log events to stream, so the watcher just sees nothing after OK.
  ctx.reply('OK');
  ctx.swallow(Number.POSITIVE_INFINITY);
};

/** version, quit, verbosity, shutdown, cache_memlimit, slabs, lru_crawler, lru, watch, extstore. */
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
  extstore,
};
