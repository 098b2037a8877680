import { MemcachedInvalidOptionError } from '../errors.js';

// Options Fastify itself reads from `register()` (the plugin's log level); they are Fastify's,
// not the plugin's, so they are neither validated nor passed on.
const FASTIFY_REGISTER_KEYS = new Set(['logLevel', 'logSerializers']);

/**
 * A memkit Fastify plugin's own options, out of what `register()` handed it: Fastify's logging
 * options are left out, and `prefix` is refused. Fastify reserves `prefix` for route prefixes
 * (and applies none to a fastify-plugin), so whoever passes it meant the storage prefix, which
 * must not be dropped without a word: it is `keyPrefix` in every memkit package.
 * @param plugin The package name shown in the message, e.g. `'@memkit/rate-limiter'`.
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`, option `prefix`) when
 *   `prefix` is given.
 * @example const own = fastifyPluginOptions(options, '@memkit/response-cache');
 */
export function fastifyPluginOptions(
  options: object | undefined,
  plugin: string,
): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  if (options === undefined) return own;
  const given = options as Record<string, unknown>;
  if (given.prefix !== undefined) {
    throw new MemcachedInvalidOptionError(
      'prefix',
      `Invalid option "prefix": Fastify reserves it for route prefixes; the storage prefix of ${plugin} is "keyPrefix".`,
    );
  }
  for (const [key, value] of Object.entries(given)) {
    if (key !== 'prefix' && !FASTIFY_REGISTER_KEYS.has(key)) own[key] = value;
  }
  return own;
}
