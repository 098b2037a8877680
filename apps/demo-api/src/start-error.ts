import { ConfigError } from './config-error.js';

/** Exit code of a start that failed on its configuration (sysexits' EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * Turns a failed listen into a {@link ConfigError} that says what to change: a busy port is
 * "port 3000 is in use; set PORT", not a stack trace.
 */
export function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port} is in use; set PORT`);
  if (code === 'EACCES') {
    return new ConfigError(`port ${port} needs privileges to listen on; set PORT to 1024 or above`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConfigError(`cannot listen on HOST=${host}: no such local address; set HOST`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The one line `main` prints when the demo cannot start, and its exit code: 78 for a setting
 * to fix, 1 for anything else.
 */
export function describeStartError(name: string, err: unknown): { line: string; exitCode: number } {
  if (err instanceof ConfigError) return { line: `${name}: ${err.message}`, exitCode: EXIT_CONFIG };
  const message = err instanceof Error ? err.message : String(err);
  return { line: `${name}: cannot start: ${message.split('\n')[0]}`, exitCode: 1 };
}
