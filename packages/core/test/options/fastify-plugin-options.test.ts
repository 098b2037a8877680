import { describe, expect, it } from 'vitest';
import { fastifyPluginOptions } from '../../src/index.js';
import { invalidOptionError } from './expect-invalid-option.js';

describe('fastifyPluginOptions', () => {
  it('refuses `prefix`, pointing at keyPrefix and naming the plugin', () => {
    const e = invalidOptionError(
      () => fastifyPluginOptions({ prefix: '/api', keyPrefix: 'x:' }, '@memkit/example'),
      'prefix',
    );
    expect(e.message).toBe(
      'Invalid option "prefix": Fastify reserves it for route prefixes; the storage prefix of @memkit/example is "keyPrefix".',
    );
  });

  it("leaves out Fastify's own logging options and passes everything else on, unknown keys included", () => {
    expect(
      fastifyPluginOptions(
        { logLevel: 'warn', logSerializers: {}, keyPrefix: 'x:', limitt: 3, prefix: undefined },
        '@memkit/example',
      ),
    ).toEqual({ keyPrefix: 'x:', limitt: 3 });
    expect(fastifyPluginOptions(undefined, '@memkit/example')).toEqual({});
  });
});
