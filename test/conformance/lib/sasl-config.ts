import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SaslSettings } from './targets.js';

/**
 * A Cyrus SASL configuration for memcached -S (Debian's sasl2-bin makes the sasldb): PLAIN only,
 * one user, in a fresh directory given to memcached as SASL_CONF_PATH.
 */
export function saslConfig(username: string, password: string): SaslSettings {
  const confDir = mkdtempSync(join(tmpdir(), 'memkit-conformance-sasl-'));
  const db = join(confDir, 'sasldb2');
  // -a memcached: the application name memcached's sasl_server_new uses; -p: password on stdin.
  execFileSync('saslpasswd2', ['-a', 'memcached', '-c', '-p', '-f', db, username], {
    input: password,
  });
  writeFileSync(join(confDir, 'memcached.conf'), `mech_list: plain\nsasldb_path: ${db}\n`);
  return { username, password, confDir };
}
