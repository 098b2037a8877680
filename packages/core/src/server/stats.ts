/** Per slab class counters, as memcached keeps them per thread and sums for `stats`. */
export class SlabCounters {
  getHits = 0;
  setCmds = 0;
  deleteHits = 0;
  incrHits = 0;
  decrHits = 0;
  casHits = 0;
  casBadval = 0;
  touchHits = 0;
  /** Items currently stored in the class and their summed ITEM_ntotal. */
  number = 0;
  memRequested = 0;
  evicted = 0;
  evictedNonzero = 0;
  evictedTime = 0;
  evictedUnfetched = 0;
  evictedActive = 0;
  reclaimed = 0;
  expiredUnfetched = 0;
  outOfMemory = 0;
  movesToCold = 0;
  movesToWarm = 0;
  movesWithinLru = 0;
  directReclaims = 0;
  crawlerReclaimed = 0;
  crawlerItemsChecked = 0;
  hitsToHot = 0;
  hitsToWarm = 0;
  hitsToCold = 0;
  /** Most pages this class ever needed (memcached never gives pages back by default). */
  pages = 0;
}

/**
 * The server's counters, named after memcached's `stats` fields. Commands (including H2's meta
 * commands) increment them directly; `stats-render.ts` prints them in memcached's order.
 */
export class ServerStats {
  // Connections.
  currConnections = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  connectionStructures = 0;
  // Commands.
  getCmds = 0;
  setCmds = 0;
  flushCmds = 0;
  touchCmds = 0;
  metaCmds = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  deleteMisses = 0;
  incrMisses = 0;
  decrMisses = 0;
  casMisses = 0;
  touchMisses = 0;
  /** SASL and ASCII authentication attempts, and the failed ones. */
  authCmds = 0;
  authErrors = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  bytesRead = 0;
  bytesWritten = 0;
  // Items.
  currItems = 0;
  totalItems = 0;
  bytes = 0;
  evictions = 0;
  reclaimed = 0;
  expiredUnfetched = 0;
  evictedUnfetched = 0;
  evictedActive = 0;
  lruCrawlerStarts = 0;
  lruMaintainerJuggles = 0;
  /** Indexed by slab class id (1-based, index 0 unused). */
  readonly slabs: SlabCounters[];

  constructor(slabClassCount: number) {
    this.slabs = [];
    for (let i = 0; i <= slabClassCount; i++) this.slabs.push(new SlabCounters());
  }

  /** The counters `stats reset` zeroes (memcached keeps item counts and connections). */
  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.getCmds = 0;
    this.setCmds = 0;
    this.flushCmds = 0;
    this.touchCmds = 0;
    this.metaCmds = 0;
    this.getMisses = 0;
    this.getExpired = 0;
    this.getFlushed = 0;
    this.deleteMisses = 0;
    this.incrMisses = 0;
    this.decrMisses = 0;
    this.casMisses = 0;
    this.touchMisses = 0;
    this.authCmds = 0;
    this.authErrors = 0;
    this.storeTooLarge = 0;
    this.storeNoMemory = 0;
    this.bytesRead = 0;
    this.bytesWritten = 0;
    this.totalItems = 0;
    this.evictions = 0;
    this.reclaimed = 0;
    this.expiredUnfetched = 0;
    this.evictedUnfetched = 0;
    this.evictedActive = 0;
    for (const s of this.slabs) {
      s.getHits = 0;
      s.setCmds = 0;
      s.deleteHits = 0;
      s.incrHits = 0;
      s.decrHits = 0;
      s.casHits = 0;
      s.casBadval = 0;
      s.touchHits = 0;
      s.evicted = 0;
      s.evictedNonzero = 0;
      s.evictedUnfetched = 0;
      s.evictedActive = 0;
      s.reclaimed = 0;
      s.expiredUnfetched = 0;
      s.outOfMemory = 0;
      s.movesToCold = 0;
      s.movesToWarm = 0;
      s.movesWithinLru = 0;
      s.directReclaims = 0;
      s.crawlerReclaimed = 0;
      s.crawlerItemsChecked = 0;
      s.hitsToHot = 0;
      s.hitsToWarm = 0;
      s.hitsToCold = 0;
    }
  }

  /** Sum of one per-class counter over all classes. */
  sum(field: keyof SlabCounters): number {
    let n = 0;
    for (const s of this.slabs) n += s[field];
    return n;
  }
}
