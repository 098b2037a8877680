import {
  type ClientOptions,
  checkBackendChoice,
  checkOptionKeys,
  invalidOption,
  keyPrefixOption,
  MemcachedClient,
  type ServerList,
  stringOption,
} from '@memkit/core';

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
  /**
   * What the store reads and writes. `'codec'`: Keyv's serialized strings as they are, and
   * Keyv's `{ value, expires }` envelope (its serialization off) through memkit's codec.
   * `'keyv-json'`: values are Keyv 5's default JSON format (`@keyv/serialize`), read back by the
   * store into Keyv's envelope, without JSON.parse's per-node reviver; Keyv's strings are stored
   * as they are, an envelope is written in that format. Keyv's `deserialize` must then be off
   * (reads return objects), which `createKeyv()` arranges. @default 'codec'
   */
  format?: KeyvMemkitFormat | undefined;
}

/** See {@link KeyvMemkitOptions.format}. */
export type KeyvMemkitFormat = 'codec' | 'keyv-json';

/** {@link KeyvMemkitOptions} after defaults and validation. */
export interface ResolvedKeyvMemkitOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly clientOptions: ClientOptions;
  readonly namespace: string;
  readonly keyPrefix: string;
  readonly format: KeyvMemkitFormat;
}

/** The defaults applied by {@link resolveKeyvMemkitOptions}. */
export const DEFAULT_KEYV_MEMKIT_OPTIONS = Object.freeze({
  namespace: 'keyv',
  keyPrefix: '',
  format: 'codec',
} as const);

// A Record over every key keeps the unknown-option check in step with the type at compile time.
const KNOWN_KEYS: Record<keyof KeyvMemkitOptions, true> = {
  client: true,
  servers: true,
  clientOptions: true,
  namespace: true,
  keyPrefix: true,
  format: true,
};

// Room left in a 250-byte key for the namespace version and Keyv's own key.
const MAX_PREFIX_BYTES = 150;
const KEY_TEXT = /^[^\s\u0000-\u001f\u007f-\u009f]*$/u;

/**
 * Applies defaults, validates and freezes store options.
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) naming the option.
 */
export function resolveKeyvMemkitOptions(options?: KeyvMemkitOptions): ResolvedKeyvMemkitOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  const d = DEFAULT_KEYV_MEMKIT_OPTIONS;
  checkBackendChoice({ client: o.client, servers: o.servers });
  if (o.client !== undefined && o.clientOptions !== undefined) {
    throw invalidOption(
      'clientOptions',
      'no client options with "client" (they configure the client created from "servers"; configure your own client directly)',
      o.clientOptions,
    );
  }
  if (
    o.clientOptions !== undefined &&
    (typeof o.clientOptions !== 'object' || o.clientOptions === null)
  ) {
    throw invalidOption('clientOptions', 'an object of MemcachedClient options', o.clientOptions);
  }
  const namespace = stringOption('namespace', o.namespace ?? d.namespace, {
    pattern: KEY_TEXT,
    allowEmpty: false,
    expected: 'a non-empty string without whitespace or control characters',
  });
  const keyPrefix = keyPrefixOption('keyPrefix', o.keyPrefix ?? d.keyPrefix, MAX_PREFIX_BYTES);
  if (Buffer.byteLength(keyPrefix + namespace) > MAX_PREFIX_BYTES) {
    throw invalidOption(
      'namespace',
      `at most ${MAX_PREFIX_BYTES} bytes together with keyPrefix`,
      namespace,
    );
  }
  const format = o.format ?? d.format;
  if (format !== 'codec' && format !== 'keyv-json') {
    throw invalidOption('format', "'codec' or 'keyv-json'", format);
  }
  return Object.freeze({
    client: o.client,
    servers: o.servers,
    clientOptions: { ...o.clientOptions },
    namespace,
    keyPrefix,
    format,
  });
}

/** The options a store target stands for: a client you own, servers, or the options themselves. */
export function storeOptionsOf(
  target: MemcachedClient | ServerList | KeyvMemkitOptions | undefined,
): KeyvMemkitOptions {
  if (target instanceof MemcachedClient) return { client: target };
  if (typeof target === 'string' || Array.isArray(target)) return { servers: target as ServerList };
  return { ...(target as KeyvMemkitOptions | undefined) };
}

/** Whether `text` can be part of a memcached key as it is. */
export function isKeyText(text: unknown): text is string {
  return typeof text === 'string' && KEY_TEXT.test(text);
}
