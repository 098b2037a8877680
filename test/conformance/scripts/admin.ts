import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

/** Commands that change server settings run on fresh servers, one family per script. */
const fresh = (name: string, text: string): ConformanceScript =>
  script(name, text, { fresh: true });

/**
 * Administrative commands: slabs, lru, lru_crawler, cache_memlimit, stats cachedump/detail,
 * extstore, debug-only commands. Only replies that do not depend on background threads.
 */
export const adminScripts: ConformanceScript[] = [
  fresh(
    'stats cachedump errors',
    'stats cachedump 1\r\nstats cachedump 99 1\r\nstats cachedump 300 1\r\nstats cachedump x 1\r\nstats cachedump 1 x\r\nstats cachedump\r\n',
  ),
  fresh('stats cachedump on an empty class', 'stats cachedump 5 10\r\n'),
  fresh(
    'stats detail dump after gets',
    `${store('set', 'a:1', 'v')}stats detail on\r\nget a:1 a:2 b:1 c\r\nset b:2 0 0 1\r\nx\r\ndelete a:1\r\nstats detail dump\r\nstats detail off\r\nstats detail dump\r\n`,
  ),
  fresh('stats detail usage', 'stats detail\r\nstats detail x\r\nstats detail on off\r\n'),
  fresh(
    'slabs automove',
    'slabs automove 0\r\nslabs automove 1\r\nslabs automove 2\r\nslabs automove 3\r\nslabs automove x\r\nslabs automove ratio 0.5\r\nslabs automove ratio x\r\n',
  ),
  fresh(
    'slabs reassign',
    'slabs reassign 1 2\r\nslabs reassign x 2\r\nslabs reassign 1 1\r\nslabs reassign 999 1\r\nslabs\r\nslabs bogus\r\n',
  ),
  fresh(
    'lru tune',
    'lru tune 10 40 0.1 2\r\nlru tune 50 40 0.1 2\r\nlru tune 10 40 0 2\r\nlru tune x 40 0.1 2\r\nlru tune 10\r\n',
  ),
  fresh(
    'lru mode and temp_ttl',
    'lru mode flat\r\nlru mode segmented\r\nlru mode x\r\nlru temp_ttl 10\r\nlru temp_ttl -1\r\nlru temp_ttl x\r\nlru\r\nlru bogus 1\r\n',
  ),
  fresh(
    'lru_crawler settings',
    'lru_crawler sleep 100\r\nlru_crawler sleep x\r\nlru_crawler tocrawl 10\r\nlru_crawler tocrawl x\r\nlru_crawler enable\r\nlru_crawler bogus\r\nlru_crawler\r\n',
  ),
  fresh(
    'cache_memlimit',
    'cache_memlimit 64\r\ncache_memlimit 2\r\ncache_memlimit 2000000000\r\ncache_memlimit x\r\ncache_memlimit\r\ncache_memlimit 64 noreply\r\n',
  ),
  fresh(
    'extstore and debug commands',
    'extstore item_size 10\r\nextstore\r\ndebugtime 1\r\nmisbehave\r\ndebugitem a\r\nauth\r\n',
  ),
  fresh(
    'stats settings after changes',
    'verbosity 2\r\nslabs automove 0\r\nlru temp_ttl 10\r\nlru_crawler sleep 50\r\nstats detail on\r\nstats settings\r\n',
  ),
  fresh(
    'admin commands with noreply',
    'slabs automove 0 noreply\r\nlru mode flat noreply\r\nlru temp_ttl 5 noreply\r\nlru tune 10 40 0.1 2 noreply\r\ncache_memlimit 64 noreply\r\ncache_memlimit 2 noreply\r\nextstore item_size 10 noreply\r\nlru_crawler sleep 10 noreply\r\nversion\r\n',
  ),
  fresh(
    'stats settings after tuning',
    'lru tune 10 40 0.1 2\r\nlru mode flat\r\nlru_crawler tocrawl 10\r\nslabs automove ratio 0.5\r\ncache_memlimit 32\r\nextstore item_age 100\r\nstats settings\r\n',
  ),
  fresh('stats extstore without a storage file', 'stats extstore\r\nstats extstore pages\r\n'),
  fresh('stats settings after a delayed flush_all', 'flush_all 100\r\nstats settings\r\n'),
  fresh('stats settings after flush_all', 'flush_all\r\nstats settings\r\n'),
  // One crawl that starts: memcached answers BUSY to a second while its thread still runs, so
  // each send mode gets fresh servers (a crawl left running by the previous mode made the
  // real memcached answer BUSY where memkit, whose crawl had finished, did not).
  fresh(
    'lru_crawler class arguments',
    'lru_crawler crawl 0\r\nlru_crawler crawl 64\r\nlru_crawler crawl x\r\nlru_crawler crawl 1,x\r\nlru_crawler crawl ,\r\nlru_crawler crawl hash\r\nlru_crawler crawl 1,2\r\n',
  ),
  // bytes_read is counted per read(): stats goes alone after a sync (see stats.ts).
  stepped('limit_maxbytes after cache_memlimit', ['cache_memlimit 32\r\n', 'stats\r\n'], {
    fresh: true,
    until: [undefined, 'END\r\n'],
  }),
];
