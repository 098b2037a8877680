// @memkit/core/otel: OpenTelemetry tracing of the client. Needs @opentelemetry/api and
// @opentelemetry/instrumentation (optional peer dependencies); @memkit/core itself never loads them.
export type { MemkitInstrumentationConfig } from './memkit-instrumentation.js';
export { MemkitInstrumentation } from './memkit-instrumentation.js';
