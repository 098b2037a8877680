import { requireBinary } from '../support/memcached.js';
import { saslConfig } from './lib/sasl-config.js';
import { conformanceSuite } from './lib/suite.js';
import { SASL_USER, saslScripts } from './scripts/sasl.js';

// memcached's -S needs a Cyrus sasldb, made with sasl2-bin's saslpasswd2 (.ci/run installs it;
// under CI=true its absence fails instead of skipping).
if (requireBinary('saslpasswd2')) {
  conformanceSuite('-S SASL PLAIN matches memcached 1.6.18', saslScripts, {
    memoryLimitMb: 64,
    maxItemSize: 1024 * 1024,
    maxConnections: 1024,
    sasl: saslConfig(SASL_USER.username, SASL_USER.password),
  });
}
