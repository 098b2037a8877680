import { ITEM_UPDATE_INTERVAL } from './clock.js';
import type { ServerContext } from './command.js';
import { LRU_COLD, LRU_HOT, LRU_WARM } from './lru.js';
import { SLAB_PAGE_SIZE } from './slabs.js';

/** One `STAT name value` line, before formatting. */
export type StatPair = readonly [name: string, value: string | number];

/** memcached's version string: clients pick protocol features by it. */
export const MEMCACHED_VERSION = '1.6.18';

/** Thread count reported, memcached's default -t; the Node server itself is single-threaded. */
const THREADS = 4;

function seconds(us: number): string {
  const s = Math.floor(us / 1e6);
  const rest = String(us % 1e6).padStart(6, '0');
  return `${s}.${rest}`;
}

/** The plain `stats` listing, in memcached 1.6.18's order. */
export function generalStats(server: ServerContext): StatPair[] {
  const s = server.stats;
  const now = server.clock.now();
  const usage = process.resourceUsage();
  const live = s.currConnections;
  const sum = (f: Parameters<typeof s.sum>[0]) => s.sum(f);
  return [
    ['pid', process.pid],
    ['uptime', now - ITEM_UPDATE_INTERVAL],
    ['time', server.clock.processStarted + now],
    ['version', MEMCACHED_VERSION],
    ['libevent', `node-${process.versions.node}`],
    ['pointer_size', 64],
    ['rusage_user', seconds(usage.userCPUTime)],
    ['rusage_system', seconds(usage.systemCPUTime)],
    ['max_connections', server.settings.maxConnections],
    ['curr_connections', live],
    ['total_connections', s.totalConnections],
    ['rejected_connections', s.rejectedConnections],
    ['connection_structures', s.connectionStructures],
    ['response_obj_oom', 0],
    ['response_obj_count', 1],
    ['response_obj_bytes', 16384],
    ['read_buf_count', live + 1],
    ['read_buf_bytes', (live + 1) * 16384],
    ['read_buf_bytes_free', 0],
    ['read_buf_oom', 0],
    ['reserved_fds', 20],
    ['cmd_get', s.getCmds],
    ['cmd_set', sum('setCmds')],
    ['cmd_flush', s.flushCmds],
    ['cmd_touch', s.touchCmds],
    ['cmd_meta', s.metaCmds],
    ['get_hits', sum('getHits')],
    ['get_misses', s.getMisses],
    ['get_expired', s.getExpired],
    ['get_flushed', s.getFlushed],
    ['delete_misses', s.deleteMisses],
    ['delete_hits', sum('deleteHits')],
    ['incr_misses', s.incrMisses],
    ['incr_hits', sum('incrHits')],
    ['decr_misses', s.decrMisses],
    ['decr_hits', sum('decrHits')],
    ['cas_misses', s.casMisses],
    ['cas_hits', sum('casHits')],
    ['cas_badval', sum('casBadval')],
    ['touch_hits', sum('touchHits')],
    ['touch_misses', s.touchMisses],
    ['store_too_large', s.storeTooLarge],
    ['store_no_memory', s.storeNoMemory],
    ['auth_cmds', s.authCmds],
    ['auth_errors', s.authErrors],
    ['bytes_read', s.bytesRead],
    ['bytes_written', s.bytesWritten],
    ['limit_maxbytes', server.store.limitBytes],
    ['accepting_conns', 1],
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['threads', THREADS],
    ['conn_yields', 0],
    ['hash_power_level', 16],
    ['hash_bytes', 524288],
    ['hash_is_expanding', 0],
    ['slab_reassign_rescues', 0],
    ['slab_reassign_chunk_rescues', 0],
    ['slab_reassign_evictions_nomem', 0],
    ['slab_reassign_inline_reclaim', 0],
    ['slab_reassign_busy_items', 0],
    ['slab_reassign_busy_deletes', 0],
    ['slab_reassign_running', 0],
    ['slabs_moved', 0],
    ['lru_crawler_running', 0],
    ['lru_crawler_starts', s.lruCrawlerStarts],
    ['lru_maintainer_juggles', s.lruMaintainerJuggles],
    ['malloc_fails', 0],
    ['log_worker_dropped', 0],
    ['log_worker_written', 0],
    ['log_watcher_skipped', 0],
    ['log_watcher_sent', 0],
    ['log_watchers', 0],
    ['unexpected_napi_ids', 0],
    ['round_robin_fallback', 0],
    ['bytes', s.bytes],
    ['curr_items', s.currItems],
    ['total_items', s.totalItems],
    ['slab_global_page_pool', 0],
    ['expired_unfetched', s.expiredUnfetched],
    ['evicted_unfetched', s.evictedUnfetched],
    ['evicted_active', s.evictedActive],
    ['evictions', s.evictions],
    ['reclaimed', s.reclaimed],
    ['crawler_reclaimed', sum('crawlerReclaimed')],
    ['crawler_items_checked', sum('crawlerItemsChecked')],
    ['lrutail_reflocked', 0],
    ['moves_to_cold', sum('movesToCold')],
    ['moves_to_warm', sum('movesToWarm')],
    ['moves_within_lru', sum('movesWithinLru')],
    ['direct_reclaims', sum('directReclaims')],
    ['lru_bumps_dropped', 0],
  ];
}

/** `stats settings`, in memcached 1.6.18's order (defaults where memkit has no such knob). */
export function settingsStats(server: ServerContext): StatPair[] {
  const o = server.settings;
  const t = server.tunables;
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  return [
    ['maxbytes', server.store.limitBytes],
    ['maxconns', o.maxConnections],
    ['tcpport', server.port],
    ['udpport', 0],
    ['inter', o.host],
    ['verbosity', server.verbosity],
    ['oldest', server.store.oldestLiveSetting],
    ['evictions', 'on'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['shutdown_command', 'no'],
    ['growth_factor', '1.25'],
    ['chunk_size', 48],
    ['num_threads', THREADS],
    ['num_threads_per_udp', THREADS],
    ['stat_key_prefix', ':'],
    ['detail_enabled', yn(server.detailEnabled)],
    ['reqs_per_event', 20],
    ['cas_enabled', yn(o.casEnabled)],
    ['tcp_backlog', 1024],
    ['binding_protocol', o.bindingProtocol === 'auto' ? 'auto-negotiate' : o.bindingProtocol],
    ['auth_enabled_sasl', yn(o.sasl !== undefined)],
    ['auth_enabled_ascii', o.asciiAuthFile ?? (o.asciiAuth === undefined ? 'no' : 'yes')],
    ['item_size_max', o.maxItemSize],
    ['maxconns_fast', 'yes'],
    ['hashpower_init', 0],
    ['slab_reassign', 'yes'],
    ['slab_automove', t.slabAutomove],
    ['slab_automove_ratio', t.slabAutomoveRatio.toFixed(2)],
    ['slab_automove_window', 30],
    ['slab_chunk_max', 524288],
    ['lru_crawler', 'yes'],
    ['lru_crawler_sleep', t.lruCrawlerSleep],
    ['lru_crawler_tocrawl', t.lruCrawlerTocrawl],
    ['tail_repair_time', 0],
    ['flush_enabled', yn(o.flushEnabled)],
    ['dump_enabled', 'yes'],
    ['hash_algorithm', 'murmur3'],
    ['lru_maintainer_thread', 'yes'],
    ['lru_segmented', yn(t.lruSegmented)],
    ['hot_lru_pct', t.hotLruPct],
    ['warm_lru_pct', t.warmLruPct],
    ['hot_max_factor', t.hotMaxFactor.toFixed(2)],
    ['warm_max_factor', t.warmMaxFactor.toFixed(2)],
    ['temp_lru', yn(t.tempLru)],
    ['temporary_ttl', t.temporaryTtl],
    ['idle_timeout', 0],
    ['watcher_logbuf_size', 262144],
    ['worker_logbuf_size', 65536],
    ['read_buf_mem_limit', 0],
    ['track_sizes', 'no'],
    ['inline_ascii_response', 'no'],
    ['ext_item_size', t.extItemSize],
    ['ext_item_age', t.extItemAge],
    ['ext_low_ttl', t.extLowTtl],
    ['ext_recache_rate', t.extRecacheRate],
    ['ext_wbuf_size', 4194304],
    ['ext_compact_under', t.extCompactUnder],
    ['ext_drop_under', t.extDropUnder],
    ['ext_max_sleep', t.extMaxSleep],
    ['ext_max_frag', t.extMaxFrag.toFixed(2)],
    ['slab_automove_freeratio', '0.010'],
    ['ext_drop_unread', yn(t.extDropUnread)],
    ['ssl_enabled', yn(o.tls !== undefined)],
    ['ssl_chain_cert', '(null)'],
    ['ssl_key', '(null)'],
    ['ssl_verify_mode', 0],
    ['ssl_keyformat', 1],
    ['ssl_ciphers', 'NULL'],
    ['ssl_ca_cert', 'NULL'],
    ['ssl_wbuf_size', 16384],
    ['ssl_session_cache', 'no'],
    ['ssl_kernel_tls', 'no'],
    ['ssl_min_version', 'tlsv1.2'],
    ['num_napi_ids', '(null)'],
    ['memory_file', '(null)'],
  ];
}

/** `stats items`: per slab class with items, memcached's field order. */
export function itemsStats(server: ServerContext): StatPair[] {
  const out: StatPair[] = [];
  const store = server.store;
  const slabs = server.stats.slabs;
  for (let id = 1; id < slabs.length; id++) {
    const c = slabs[id]!;
    if (c.number === 0) continue;
    const p = `items:${id}:`;
    const hot = store.segmentInfo(id, LRU_HOT);
    const warm = store.segmentInfo(id, LRU_WARM);
    const cold = store.segmentInfo(id, LRU_COLD);
    out.push(
      [`${p}number`, c.number],
      [`${p}number_hot`, hot.count],
      [`${p}number_warm`, warm.count],
      [`${p}number_cold`, cold.count],
      [`${p}age_hot`, hot.age],
      [`${p}age_warm`, warm.age],
      [`${p}age`, cold.age],
      [`${p}mem_requested`, c.memRequested],
      [`${p}evicted`, c.evicted],
      [`${p}evicted_nonzero`, c.evictedNonzero],
      [`${p}evicted_time`, c.evictedTime],
      [`${p}outofmemory`, c.outOfMemory],
      [`${p}tailrepairs`, 0],
      [`${p}reclaimed`, c.reclaimed],
      [`${p}expired_unfetched`, c.expiredUnfetched],
      [`${p}evicted_unfetched`, c.evictedUnfetched],
      [`${p}evicted_active`, c.evictedActive],
      [`${p}crawler_reclaimed`, c.crawlerReclaimed],
      [`${p}crawler_items_checked`, c.crawlerItemsChecked],
      [`${p}lrutail_reflocked`, 0],
      [`${p}moves_to_cold`, c.movesToCold],
      [`${p}moves_to_warm`, c.movesToWarm],
      [`${p}moves_within_lru`, c.movesWithinLru],
      [`${p}direct_reclaims`, c.directReclaims],
      [`${p}hits_to_hot`, c.hitsToHot],
      [`${p}hits_to_warm`, c.hitsToWarm],
      [`${p}hits_to_cold`, c.hitsToCold],
      [`${p}hits_to_temp`, 0],
    );
  }
  return out;
}

/** `stats slabs`: per slab class that ever held items, then the totals. */
export function slabsStats(server: ServerContext): StatPair[] {
  const out: StatPair[] = [];
  const slabs = server.stats.slabs;
  let active = 0;
  let malloced = 0;
  for (let id = 1; id < slabs.length; id++) {
    const c = slabs[id]!;
    if (c.pages === 0) continue;
    const cls = server.slabClasses[id - 1]!;
    active++;
    const totalChunks = c.pages * cls.perPage;
    malloced += c.pages * SLAB_PAGE_SIZE;
    out.push(
      [`${id}:chunk_size`, cls.chunkSize],
      [`${id}:chunks_per_page`, cls.perPage],
      [`${id}:total_pages`, c.pages],
      [`${id}:total_chunks`, totalChunks],
      [`${id}:used_chunks`, c.number],
      [`${id}:free_chunks`, totalChunks - c.number],
      [`${id}:free_chunks_end`, 0],
      [`${id}:get_hits`, c.getHits],
      [`${id}:cmd_set`, c.setCmds],
      [`${id}:delete_hits`, c.deleteHits],
      [`${id}:incr_hits`, c.incrHits],
      [`${id}:decr_hits`, c.decrHits],
      [`${id}:cas_hits`, c.casHits],
      [`${id}:cas_badval`, c.casBadval],
      [`${id}:touch_hits`, c.touchHits],
    );
  }
  out.push(['active_slabs', active], ['total_malloced', malloced]);
  return out;
}

/** `stats conns`: the listener, then each client. */
export function connsStats(server: ServerContext): StatPair[] {
  const now = server.clock.now();
  const listen = `tcp:${server.settings.host}:${server.port}`;
  const out: StatPair[] = [
    ['0:addr', listen],
    ['0:state', 'conn_listening'],
    ['0:secs_since_last_cmd', now - ITEM_UPDATE_INTERVAL],
  ];
  for (const c of server.connections()) {
    out.push(
      [`${c.id}:addr`, c.remote],
      [`${c.id}:listen_addr`, listen],
      [`${c.id}:state`, 'conn_parse_cmd'],
      [`${c.id}:secs_since_last_cmd`, now - c.lastCommandAt],
    );
  }
  return out;
}

/** Formats pairs as `STAT name value\r\n` lines followed by `END\r\n`. */
export function formatStats(pairs: readonly StatPair[]): string {
  let s = '';
  for (const [k, v] of pairs) s += `STAT ${k} ${v}\r\n`;
  return `${s}END\r\n`;
}
