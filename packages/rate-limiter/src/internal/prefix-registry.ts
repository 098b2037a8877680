import { MemcachedInvalidOptionError } from '@memkit/core';

/** Live limiters by storage prefix, with the settings they count under. */
const claims = new Map<string, { settings: string; owner: WeakRef<object> }>();

/**
 * Claims a storage prefix for `owner` counting under `settings`. Limiters sharing a prefix share
 * counters, which is right only when they count the same way: a second live limiter on the
 * same prefix with other settings would silently apply the stricter limit to both.
 * @throws MemcachedInvalidOptionError when a live limiter holds the prefix with other settings.
 */
export function claimPrefix(prefix: string, settings: string, owner: object): void {
  const held = claims.get(prefix);
  if (held !== undefined && held.settings !== settings && held.owner.deref() !== undefined) {
    throw new MemcachedInvalidOptionError(
      'keyPrefix',
      `Invalid option "keyPrefix": ${JSON.stringify(prefix)} is already used by a rate limiter counting ${held.settings}, and limiters sharing a prefix share counters; give this one (${settings}) its own keyPrefix, or leave keyPrefix out.`,
    );
  }
  claims.set(prefix, { settings, owner: new WeakRef(owner) });
}

/** Gives a prefix up (the limiter was closed). */
export function releasePrefix(prefix: string, owner: object): void {
  if (claims.get(prefix)?.owner.deref() === owner) claims.delete(prefix);
}
