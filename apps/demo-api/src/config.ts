/** What the demo reads from its environment. */
export interface DemoConfig {
  /** `PORT`. @default 3000 */
  port: number;
  /** `RATE_LIMIT_MAX`: requests per window per IP on `/api/`. @default 100 */
  rateLimitMax: number;
  /** `RATE_LIMIT_WINDOW_SECONDS`. @default 3600 */
  rateLimitWindowSeconds: number;
  /** `SESSION_SECRET`, signing the login cookie. @default a fixed demo secret */
  sessionSecret: string;
  /** `DEMO_DB_LATENCY_MS`: how slow the simulated database is. @default 100 */
  dbLatencyMs: number;
}

function positiveInt(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min = 1,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Invalid ${name}=${JSON.stringify(raw)}: expected an integer >= ${min}.`);
  }
  return n;
}

/**
 * Reads `PORT`, `RATE_LIMIT_MAX`, `RATE_LIMIT_WINDOW_SECONDS`, `SESSION_SECRET` and
 * `DEMO_DB_LATENCY_MS`.
 * @throws RangeError on a malformed number.
 */
export function readDemoConfig(env: Readonly<Record<string, string | undefined>>): DemoConfig {
  return {
    port: positiveInt(env, 'PORT', 3000, 0),
    rateLimitMax: positiveInt(env, 'RATE_LIMIT_MAX', 100),
    rateLimitWindowSeconds: positiveInt(env, 'RATE_LIMIT_WINDOW_SECONDS', 3600),
    sessionSecret: env.SESSION_SECRET ?? 'memkit-demo-secret-change-me-in-production',
    dbLatencyMs: positiveInt(env, 'DEMO_DB_LATENCY_MS', 100, 0),
  };
}
