// @memkit/core/testing: the shared conformance suite every CacheBackend must pass.
export type {
  ConformanceAssertion,
  ConformanceBackendFactory,
  ConformanceTestApi,
  StartedConformanceBackend,
} from './cache-backend-conformance.js';
export { cacheBackendConformance } from './cache-backend-conformance.js';
