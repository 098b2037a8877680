/** Stable machine-readable codes carried by every {@link MemcachedError}. */
export type MemcachedErrorCode =
  | 'ERR_MEMCACHED_TIMEOUT'
  | 'ERR_MEMCACHED_CONNECTION'
  | 'ERR_MEMCACHED_SERVER_ERROR'
  | 'ERR_MEMCACHED_CLIENT_ERROR'
  | 'ERR_MEMCACHED_PROTOCOL'
  | 'ERR_MEMCACHED_INVALID_KEY'
  | 'ERR_MEMCACHED_VALUE_TOO_LARGE'
  | 'ERR_MEMCACHED_SERIALIZATION'
  | 'ERR_MEMCACHED_NO_SERVERS'
  | 'ERR_MEMCACHED_DISCOVERY'
  | 'ERR_MEMCACHED_CLOSED'
  | 'ERR_MEMCACHED_INVALID_OPTION'
  | 'ERR_MEMCACHED_AUTH';

/** Options common to every memkit error. */
export interface MemcachedErrorOptions {
  /** The `"host:port"` of the server involved, when there is one. */
  server?: string | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Base class of every failure memkit throws. Match on the class or on `code`, never on the
 * message: messages are for humans and may change.
 */
export class MemcachedError extends Error {
  /** Stable code, e.g. `ERR_MEMCACHED_TIMEOUT`. */
  readonly code: MemcachedErrorCode;
  /** The `"host:port"` of the server involved, if any. */
  readonly server: string | undefined;

  constructor(code: MemcachedErrorCode, message: string, options: MemcachedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.server = options.server;
  }
}

/** A request got no reply within its bound (connect or request timeout). */
export class MemcachedTimeoutError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_TIMEOUT', message, options);
  }
}

/** The connection failed, was refused, or closed while the request was in flight. */
export class MemcachedConnectionError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_CONNECTION', message, options);
  }
}

/** The server answered `SERVER_ERROR ...` (e.g. out of memory, object too large). */
export class MemcachedServerError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_SERVER_ERROR', message, options);
  }
}

/** The server answered `CLIENT_ERROR ...` or `ERROR`: the request was malformed. */
export class MemcachedClientError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_CLIENT_ERROR', message, options);
  }
}

/** The server sent bytes that are not a valid reply; the connection is closed. */
export class MemcachedProtocolError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_PROTOCOL', message, options);
  }
}

/** A key is empty, too long, or contains whitespace or control characters. Nothing was sent. */
export class MemcachedInvalidKeyError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_INVALID_KEY', message, options);
  }
}

/** A value is larger than `maxValueSize`. Nothing was sent. */
export class MemcachedValueTooLargeError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_VALUE_TOO_LARGE', message, options);
  }
}

/** A value could not be serialized, or stored bytes could not be deserialized. */
export class MemcachedSerializationError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_SERIALIZATION', message, options);
  }
}

/**
 * An option given to a memkit constructor or middleware is unknown or has a bad value. Thrown
 * at construction, before anything connects; `option` names it (`"windowSeconds"`,
 * `"cas.retries"`) and the message says what was expected.
 */
export class MemcachedInvalidOptionError extends MemcachedError {
  /** The option's name, dotted for nested ones. */
  readonly option: string;

  constructor(option: string, message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_INVALID_OPTION', message, options);
    this.option = option;
  }
}

/**
 * The server refused the client's credentials (`auth` against memcached's `-Y`), or asked for
 * authentication the client was not given; the connection is closed.
 */
export class MemcachedAuthError extends MemcachedError {
  constructor(message: string, options?: MemcachedErrorOptions) {
    super('ERR_MEMCACHED_AUTH', message, options);
  }
}
