import { conformanceSuite } from './lib/suite.js';
import { DEFAULT_SETTINGS } from './lib/targets.js';
import { limitScripts, limitScriptsFor } from './scripts/limits.js';

conformanceSuite('item size limits match memcached 1.6.18 (-I 1m)', limitScripts);

for (const maxItemSize of [512 * 1024, 2 * 1024 * 1024]) {
  conformanceSuite(
    `item size limits match memcached 1.6.18 (-I ${maxItemSize})`,
    limitScriptsFor(maxItemSize),
    { ...DEFAULT_SETTINGS, maxItemSize },
  );
}
