/** The session cookie's name, the same on both demos (`apps/API.md`). */
export const SESSION_COOKIE = 'memkit.sid';

/** How long a session lives without use, in seconds (token and cookie sessions alike). */
export const SESSION_TTL_SECONDS = 1800;

/** The largest JSON body either demo parses (Express's default; Fastify is set to match). */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** The body of `GET /`: what there is to try. */
export const API_INDEX = {
  name: 'memkit demo API',
  contract: 'apps/API.md',
  routes: [
    'GET /api/users/:id',
    'POST /api/sessions',
    'GET /api/sessions/:id',
    'DELETE /api/sessions/:id',
    'POST /login',
    'GET /me',
    'POST /logout',
    'GET /api/cache/stats (admin)',
    'POST /api/cache/flush (admin)',
    'GET /metrics (admin)',
    'GET /dashboard (admin)',
  ],
} as const;
