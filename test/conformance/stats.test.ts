import { conformanceSuite } from './lib/suite.js';
import { statsScripts } from './scripts/stats.js';

conformanceSuite('stats match memcached 1.6.18', statsScripts);
