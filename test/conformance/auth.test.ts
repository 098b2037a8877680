import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformanceSuite } from './lib/suite.js';
import { AUTH_FILE_TEXT, authScripts } from './scripts/auth.js';

const dir = mkdtempSync(join(tmpdir(), 'memkit-conformance-auth-'));
const authFile = join(dir, 'users');
writeFileSync(authFile, AUTH_FILE_TEXT);

conformanceSuite('-Y ASCII authentication matches memcached 1.6.18', authScripts, {
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
  authFile,
});
