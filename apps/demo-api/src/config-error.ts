/**
 * A setting the demo cannot start with. `main` prints its message as one line and exits 78
 * (EX_CONFIG), so the message names the variable and the fix.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
