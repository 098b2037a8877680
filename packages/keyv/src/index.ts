// @memkit/keyv public API. Named exports only; src/internal/ is never re-exported.

export type { CreateKeyvOptions } from './create-keyv.js';
export { createKeyv } from './create-keyv.js';
export type { KeyvMemkitEntry, KeyvMemkitEvents, KeyvStoredData } from './keyv-memkit.js';
export { KeyvMemkit } from './keyv-memkit.js';
export type {
  KeyvMemkitFormat,
  KeyvMemkitOptions,
  ResolvedKeyvMemkitOptions,
} from './options.js';
export { DEFAULT_KEYV_MEMKIT_OPTIONS, resolveKeyvMemkitOptions } from './options.js';
