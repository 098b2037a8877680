import { conformanceSuite } from './lib/suite.js';
import { hostileScripts } from './scripts/hostile.js';

conformanceSuite('cross-protocol requests and long lines match memcached 1.6.18', hostileScripts);
