import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import { resolveServerOptions } from '../../src/server/options.js';
import { invalidOptionError, invalidOptionRejection } from '../options/expect-invalid-option.js';

const resolve = (options: unknown) => () => resolveServerOptions(options as never);

describe('server options', () => {
  it('name the option, what was expected and what was given', () => {
    expect(invalidOptionError(resolve({ port: 70000 }), 'port').message).toBe(
      'Invalid option "port": expected an integer from 0 to 65535, got 70000.',
    );
    expect(invalidOptionError(resolve({ memoryLimitMb: 0 }), 'memoryLimitMb').message).toBe(
      'Invalid option "memoryLimitMb": expected an integer from 1 to 1048576, got 0.',
    );
    expect(invalidOptionError(resolve({ maxItemSize: 512 }), 'maxItemSize').message).toContain(
      'expected an integer from 1024 to 1073741824, got 512',
    );
    expect(
      invalidOptionError(resolve({ memoryLimitMb: 1, maxItemSize: 2 * 1024 * 1024 }), 'maxItemSize')
        .message,
    ).toContain('at most memoryLimitMb (1048576 bytes)');
    expect(invalidOptionError(resolve({ verbosity: 1.5 }), 'verbosity').message).toContain(
      'got 1.5',
    );
    expect(invalidOptionError(resolve({ flushEnabled: 'no' }), 'flushEnabled').message).toBe(
      'Invalid option "flushEnabled": expected a boolean, got "no".',
    );
    invalidOptionError(resolve({ casEnabled: 0 }), 'casEnabled');
    invalidOptionError(resolve({ host: '' }), 'host');
    invalidOptionError(resolve({ logger: { warn() {} } }), 'logger');
    invalidOptionError(resolve({ tls: 'cert.pem' }), 'tls');
    invalidOptionError(resolve({ asciiAuthFile: 3 }), 'asciiAuthFile');
    expect(invalidOptionError(resolve({ bindingProtocol: 'udp' }), 'bindingProtocol').message).toBe(
      `Invalid option "bindingProtocol": expected one of 'auto', 'ascii' or 'binary', got "udp".`,
    );
  });

  it('refuse unknown keys, listing the known ones', () => {
    expect(invalidOptionError(resolve({ maxConnection: 10 }), 'maxConnection').message).toMatch(
      /unknown option\. Known options: port, host, memoryLimitMb, .*maxConnections/,
    );
    invalidOptionError(resolve(null), 'options');
  });

  it('credentials: never echo a password; sasl and asciiAuth exclude each other', () => {
    const e = invalidOptionError(
      resolve({ sasl: [{ username: '', password: 'hunter2' }] }),
      'sasl',
    );
    expect(e.message).not.toContain('hunter2');
    invalidOptionError(resolve({ asciiAuth: [] }), 'asciiAuth');
    const both = { username: 'u', password: 'p' };
    expect(invalidOptionError(resolve({ sasl: both, asciiAuth: both }), 'sasl').message).toContain(
      'not both',
    );
    expect(
      invalidOptionError(resolve({ sasl: both, bindingProtocol: 'ascii' }), 'bindingProtocol')
        .message,
    ).toContain("expected 'binary' with sasl");
    expect(
      invalidOptionError(resolve({ asciiAuth: both, bindingProtocol: 'binary' }), 'bindingProtocol')
        .message,
    ).toContain("expected 'ascii' with asciiAuth");
  });

  it('clusterConfig: a node that is not host:port is refused before anything listens', async () => {
    expect(invalidOptionError(resolve({ clusterConfig: ['a:0'] }), 'clusterConfig').message).toBe(
      'Invalid option "clusterConfig": expected "host:port", got "a:0".',
    );
    invalidOptionError(resolve({ clusterConfig: 'a:1' }), 'clusterConfig');
    await invalidOptionRejection(startServer({ clusterConfig: ['no-port'] }), 'clusterConfig');
  });

  it('good options resolve, with defaults and implied protocols', () => {
    expect(resolveServerOptions({}).bindingProtocol).toBe('auto');
    const sasl = resolveServerOptions({ sasl: { username: 'u', password: 'p' } });
    expect(sasl.bindingProtocol).toBe('binary');
    expect(sasl.sasl).toEqual([{ username: 'u', password: 'p' }]);
    expect(resolveServerOptions({ clusterConfig: ['a:1'] }).clusterConfig).toEqual(['a:1']);
    expect(Object.isFrozen(resolveServerOptions({ port: 0 }))).toBe(true);
  });
});
