/**
 * memcached settings that admin commands (`slabs automove`, `lru`, `lru_crawler`, `extstore`)
 * change at run time. The LRU settings drive the store's segmented LRU and its crawler; the
 * others (slab automove, extstore) are kept so `stats settings` reports what a client set.
 */
export class Tunables {
  slabAutomove = 1;
  slabAutomoveRatio = 0.8;
  lruCrawlerSleep = 100;
  lruCrawlerTocrawl = 0;
  /** `lru_crawler disable` stops the background crawl, `enable` starts it again. */
  lruCrawlerEnabled = true;
  lruSegmented = true;
  hotLruPct = 20;
  warmLruPct = 40;
  hotMaxFactor = 0.2;
  warmMaxFactor = 2.0;
  tempLru = false;
  temporaryTtl = 61;
  extItemSize = 512;
  extItemAge = 4294967295;
  extLowTtl = 0;
  extRecacheRate = 2000;
  extCompactUnder = 0;
  extDropUnder = 0;
  extMaxSleep = 1000000;
  extMaxFrag = 0.8;
  extDropUnread = false;
}

/** C's strtod acceptance for memcached's safe_strtod: a number, then end or whitespace. */
export function parseDouble(s: string): number | undefined {
  const m =
    /^[\t\n\v\f\r ]*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))(?:[\t\n\v\f\r ]|$)/.exec(
      s,
    );
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}
