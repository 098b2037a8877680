/**
 * The logger every memkit package takes (pino-compatible: a pino or bunyan instance, or
 * `console`-like adapters, fit it). Only `warn` is required; memkit never writes to the console.
 */
export interface Logger {
  /** Something went wrong but was handled (an outage, a dropped write, a risky setting). */
  warn(obj: Record<string, unknown>, msg?: string): void;
  /** Something an operator wants to see, such as a server coming back. */
  info?(obj: Record<string, unknown>, msg?: string): void;
  /** Detail for troubleshooting. */
  debug?(obj: Record<string, unknown>, msg?: string): void;
  /** A failure worse than a warning (a server ejected); `warn` receives it when absent. */
  error?(obj: Record<string, unknown>, msg?: string): void;
}
