import { conformanceSuite } from './lib/suite.js';
import {
  asciiOnlyScripts,
  binaryOnlyScripts,
  binaryScripts,
  binarySettingsScripts,
} from './scripts/binary.js';

conformanceSuite('binary protocol matches memcached 1.6.18', binaryScripts);
conformanceSuite('-B binary matches memcached 1.6.18', binaryOnlyScripts, {
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
  protocol: 'binary',
});
conformanceSuite('-B ascii matches memcached 1.6.18', asciiOnlyScripts, {
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
  protocol: 'ascii',
});
conformanceSuite('binary under -C -F matches memcached 1.6.18', binarySettingsScripts, {
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
  casEnabled: false,
  flushEnabled: false,
});
