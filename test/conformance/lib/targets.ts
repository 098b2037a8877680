import { readFileSync } from 'node:fs';
import { parseAuthFile, startServer } from '@memkit/core';
import { startRealMemcached } from '../../support/memcached.js';
import { request } from './wire.js';

/** A server the harness talks to. */
export interface Target {
  /** `memcached` or `memkit`. */
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** Settings both servers are started with, so limits and `stats settings` line up. */
export interface TargetSettings {
  /** -m / memoryLimitMb. */
  memoryLimitMb: number;
  /** -I / maxItemSize, in bytes. */
  maxItemSize: number;
  /** -c / maxConnections. */
  maxConnections: number;
  /** -C when false / casEnabled. @default true */
  casEnabled?: boolean;
  /** -F when false / flushEnabled. @default true */
  flushEnabled?: boolean;
  /** -B / bindingProtocol. @default 'auto' */
  protocol?: 'auto' | 'ascii' | 'binary';
  /** -Y <file> / asciiAuth read from the same file. @default none */
  authFile?: string;
  /**
   * -S with a Cyrus sasldb holding this user (see saslConfig) / `sasl` with the same
   * credentials. @default none
   */
  sasl?: SaslSettings;
}

/** One SASL PLAIN user, and the Cyrus SASL configuration directory that holds it. */
export interface SaslSettings {
  username: string;
  password: string;
  /** SASL_CONF_PATH for memcached: `memcached.conf` and the sasldb it names. */
  confDir: string;
}

/** The settings every conformance file uses unless it needs others. */
export const DEFAULT_SETTINGS: TargetSettings = {
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
};

/** Starts Debian's memcached 1.6.18 with the given settings. */
export async function startMemcachedTarget(settings = DEFAULT_SETTINGS): Promise<Target> {
  const mc = await startRealMemcached(
    [
      '-m',
      String(settings.memoryLimitMb),
      '-I',
      String(settings.maxItemSize),
      '-c',
      String(settings.maxConnections),
      ...(settings.casEnabled === false ? ['-C'] : []),
      ...(settings.flushEnabled === false ? ['-F'] : []),
      ...(settings.protocol === undefined ? [] : ['-B', settings.protocol]),
      ...(settings.authFile === undefined ? [] : ['-Y', settings.authFile]),
      ...(settings.sasl === undefined ? [] : ['-S']),
    ],
    settings.sasl === undefined ? {} : { env: { SASL_CONF_PATH: settings.sasl.confDir } },
  );
  return { name: 'memcached', port: mc.port, stop: () => mc.stop() };
}

/**
 * Starts the in-process server. `MEMKIT_CONFORMANCE_TARGET=memcached` replaces it with a second
 * real memcached, which checks the harness itself (memcached must compare equal to itself).
 */
export async function startMemkitTarget(settings = DEFAULT_SETTINGS): Promise<Target> {
  if (process.env.MEMKIT_CONFORMANCE_TARGET === 'memcached') {
    const t = await startMemcachedTarget(settings);
    return { ...t, name: 'memcached#2' };
  }
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    memoryLimitMb: settings.memoryLimitMb,
    maxItemSize: settings.maxItemSize,
    maxConnections: settings.maxConnections,
    casEnabled: settings.casEnabled ?? true,
    flushEnabled: settings.flushEnabled ?? true,
    ...(settings.sasl !== undefined
      ? { sasl: { username: settings.sasl.username, password: settings.sasl.password } }
      : settings.authFile === undefined
        ? { bindingProtocol: settings.protocol ?? 'auto' }
        : {
            asciiAuth: parseAuthFile(readFileSync(settings.authFile, 'utf8')),
            asciiAuthFile: settings.authFile,
          }),
  });
  const port = server.port;
  // startRealMemcached() asks the new memcached for its pid with one `stats`; send the same
  // request here so global byte counters start level.
  if (
    settings.protocol !== 'binary' &&
    settings.authFile === undefined &&
    settings.sasl === undefined
  )
    await request(port, 'stats\r\n', 'END\r\n');
  return { name: 'memkit', port, stop: () => server.close() };
}
