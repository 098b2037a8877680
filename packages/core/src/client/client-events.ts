import type { MemcachedError } from '../errors.js';

/** Payload of `failure`: a server failed (connect, timeout, reset or garbage). */
export interface FailureEvent {
  server: string;
  error: MemcachedError;
  /** Consecutive failures of this server so far. */
  failures: number;
}

/** Payload of `remove`: a server was ejected after `failureLimit` consecutive failures. */
export interface RemoveEvent {
  server: string;
  error: MemcachedError;
  /** When it will be probed, from now. */
  retryDelayMs: number;
}

/** Payload of `reconnecting`: a new connection or probe is being opened to a failed server. */
export interface ReconnectingEvent {
  server: string;
}

/** Payload of `reconnect`: a failed or ejected server answers again (and is back in the ring). */
export interface ReconnectEvent {
  server: string;
}

/**
 * Payload of `topology`: discovery changed the fleet. Only the keys of `added` and `removed`
 * servers moved (ketama).
 */
export interface TopologyEvent {
  /** Servers that joined the ring. */
  added: string[];
  /** Servers that left the ring; their connections close once their requests settle. */
  removed: string[];
  /** The ring now, as `client.servers` lists it. */
  servers: string[];
}

/**
 * Events of {@link MemcachedClient}. `error` carries errors no caller receives (a failed probe of
 * an ejected server, a failed discovery round) and is only emitted when something listens, so it never crashes an app.
 */
export interface ClientEvents {
  failure: [FailureEvent];
  remove: [RemoveEvent];
  reconnecting: [ReconnectingEvent];
  reconnect: [ReconnectEvent];
  topology: [TopologyEvent];
  error: [MemcachedError];
}
