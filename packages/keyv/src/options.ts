import { type ClientOptions, MemcachedClient, MemcachedError, type ServerList } from '@memkit/core';

/** Options of {@link KeyvMemkit}. Give `client` or `servers`, not both. */
export interface KeyvMemkitOptions {
  /** A client the caller owns; `disconnect()` never closes it. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the store creates and closes on `disconnect()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Options of the client the store creates from `servers` (e.g. `serializer`, `timeoutMs`). @default `{}` */
  clientOptions?: ClientOptions | undefined;
  /** Namespace used until Keyv sets its own (Keyv 5 and 6 always set theirs, `'keyv'` unless told otherwise). @default 'keyv' */
  namespace?: string | undefined;
  /** Prepended to every memcached key, to keep apps sharing a fleet apart. @default '' */
  keyPrefix?: string | undefined;
}

/** {@link KeyvMemkitOptions} after defaults and validation. */
export interface ResolvedKeyvMemkitOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly clientOptions: ClientOptions;
  readonly namespace: string;
  readonly keyPrefix: string;
}

/** The defaults applied by {@link resolveKeyvMemkitOptions}. */
export const DEFAULT_KEYV_MEMKIT_OPTIONS = Object.freeze({
  namespace: 'keyv',
  keyPrefix: '',
} as const);

// A Record over every key keeps the unknown-option check in step with the type at compile time.
const KNOWN_KEYS: Record<keyof KeyvMemkitOptions, true> = {
  client: true,
  servers: true,
  clientOptions: true,
  namespace: true,
  keyPrefix: true,
};

// Room left in a 250-byte key for the namespace version and Keyv's own key.
const MAX_PREFIX_BYTES = 150;
const FORBIDDEN = /[\s\u0000-\u001f\u007f-\u009f]/u;

/**
 * Applies defaults, validates and freezes store options.
 * @throws MemcachedError `ERR_MEMCACHED_INVALID_OPTION` naming the option and the bad value.
 */
export function resolveKeyvMemkitOptions(
  options: KeyvMemkitOptions = {},
): ResolvedKeyvMemkitOptions {
  if (options === null || typeof options !== 'object') {
    throw invalid('options', 'an object', options);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(key in KNOWN_KEYS)) {
      throw new MemcachedError(
        'ERR_MEMCACHED_INVALID_OPTION',
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(KNOWN_KEYS).join(', ')}.`,
      );
    }
  }
  const o = options;
  const d = DEFAULT_KEYV_MEMKIT_OPTIONS;
  if (o.client !== undefined && !(o.client instanceof MemcachedClient)) {
    throw invalid('client', 'a MemcachedClient', o.client);
  }
  if (o.client !== undefined && o.servers !== undefined) {
    throw new MemcachedError(
      'ERR_MEMCACHED_INVALID_OPTION',
      'Invalid option "servers": give either a client (you own it) or servers (the store owns its client), not both.',
    );
  }
  if (o.client !== undefined && o.clientOptions !== undefined) {
    throw new MemcachedError(
      'ERR_MEMCACHED_INVALID_OPTION',
      'Invalid option "clientOptions": it configures the client the store creates from servers; configure your own client directly.',
    );
  }
  if (o.servers !== undefined && typeof o.servers !== 'string' && !Array.isArray(o.servers)) {
    throw invalid('servers', '"host:port" or an array of servers', o.servers);
  }
  if (
    o.clientOptions !== undefined &&
    (typeof o.clientOptions !== 'object' || o.clientOptions === null)
  ) {
    throw invalid('clientOptions', 'an object of MemcachedClient options', o.clientOptions);
  }
  const namespace = o.namespace ?? d.namespace;
  if (!isKeyText(namespace) || namespace.length === 0) {
    throw invalid(
      'namespace',
      'a non-empty string without whitespace or control characters',
      namespace,
    );
  }
  const keyPrefix = o.keyPrefix ?? d.keyPrefix;
  if (!isKeyText(keyPrefix)) {
    throw invalid('keyPrefix', 'a string without whitespace or control characters', keyPrefix);
  }
  if (Buffer.byteLength(keyPrefix + namespace) > MAX_PREFIX_BYTES) {
    throw invalid(
      'keyPrefix',
      `at most ${MAX_PREFIX_BYTES} bytes together with the namespace`,
      keyPrefix,
    );
  }
  return Object.freeze({
    client: o.client,
    servers: o.servers,
    clientOptions: { ...o.clientOptions },
    namespace,
    keyPrefix,
  });
}

/** Whether `text` can be part of a memcached key as it is. */
export function isKeyText(text: unknown): text is string {
  return typeof text === 'string' && !FORBIDDEN.test(text);
}

function invalid(name: string, expected: string, got: unknown): MemcachedError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new MemcachedError(
    'ERR_MEMCACHED_INVALID_OPTION',
    `Invalid option "${name}": expected ${expected}, got ${shown}.`,
  );
}
