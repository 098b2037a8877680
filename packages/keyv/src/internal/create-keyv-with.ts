import { invalidOption, type MemcachedClient, type ServerList } from '@memkit/core';
import type { Keyv, KeyvOptions } from 'keyv';
import { KeyvMemkit } from '../keyv-memkit.js';
import { type KeyvMemkitOptions, storeOptionsOf } from '../options.js';

/** A Keyv class: the installed major's (5 or 6) constructor. */
export type KeyvClass = new (options: KeyvOptions) => Keyv;

// Keyv 5's serialization options, and Keyv 6's: createKeyv decides how values are serialized.
const SERIALIZATION_OPTIONS = [
  'serialize',
  'deserialize',
  'compression',
  'serialization',
  'encryption',
];

/**
 * createKeyv on a given Keyv class. On Keyv 5, Keyv keeps writing (its own serializer, called
 * inside `set`, so a value changed afterwards is stored as it was) and the store reads Keyv's
 * format itself, Keyv's `deserialize` off. Keyv 6 has a format of its own (BigInt too), so on
 * Keyv 6 both stay with Keyv: the plain `new Keyv({ store })` wiring.
 */
export function createKeyvWith(
  KeyvConstructor: KeyvClass,
  target: MemcachedClient | ServerList | KeyvMemkitOptions | undefined,
  options: Record<string, unknown>,
): Keyv {
  for (const name of SERIALIZATION_OPTIONS) {
    if (options[name] !== undefined) {
      throw invalidOption(
        name,
        'absent: createKeyv decides the serialization (for your own, use new Keyv({ store: new KeyvMemkit(...) }))',
        options[name],
      );
    }
  }
  const storeOptions = storeOptionsOf(target);
  if (storeOptions.format !== undefined) {
    throw invalidOption('format', 'absent with createKeyv, which chooses it', storeOptions.format);
  }
  // Keyv 6 has a `serialization` accessor; Keyv 5 has `serialize`.
  const keyv5 = !('serialization' in KeyvConstructor.prototype);
  const store = new KeyvMemkit({ ...storeOptions, format: keyv5 ? 'keyv-json' : 'codec' });
  // Without `deserialize`, Keyv 5 takes what the store reads as it is, on every path (getRaw and
  // getManyRaw included).
  const off = keyv5 ? { deserialize: undefined } : {};
  // Keyv always hands the store its own namespace ('keyv' by default): a namespace given with
  // the store options is made Keyv's, so it is the one used.
  const namespace = options.namespace ?? storeOptions.namespace;
  return new KeyvConstructor({
    ...options,
    ...(namespace === undefined ? {} : { namespace }),
    ...off,
    store,
  } as KeyvOptions);
}
