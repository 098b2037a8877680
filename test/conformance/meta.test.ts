import { conformanceSuite } from './lib/suite.js';
import { metaScripts } from './scripts/meta.js';

conformanceSuite('meta protocol matches memcached 1.6.18', metaScripts);
