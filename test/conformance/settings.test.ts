import { conformanceSuite } from './lib/suite.js';
import { DEFAULT_SETTINGS } from './lib/targets.js';
import { noCasScripts, noFlushScripts } from './scripts/settings.js';

conformanceSuite('-C (CAS disabled) matches memcached 1.6.18', noCasScripts, {
  ...DEFAULT_SETTINGS,
  casEnabled: false,
});

conformanceSuite('-F (flush_all disabled) matches memcached 1.6.18', noFlushScripts, {
  ...DEFAULT_SETTINGS,
  flushEnabled: false,
});
