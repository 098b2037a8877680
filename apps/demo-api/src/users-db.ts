/** A user record of the simulated database. */
export interface User {
  id: number;
  name: string;
  email: string;
  role: 'admin' | 'user';
}

const USERS: readonly User[] = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' },
  { id: 2, name: 'Alan Turing', email: 'alan@example.com', role: 'user' },
  { id: 3, name: 'Grace Hopper', email: 'grace@example.com', role: 'user' },
  { id: 4, name: 'Edsger Dijkstra', email: 'edsger@example.com', role: 'user' },
  { id: 5, name: 'Barbara Liskov', email: 'barbara@example.com', role: 'user' },
];

/**
 * The slow database the cache sits in front of: each lookup waits `latencyMs` and is counted,
 * so a caller can see that a cached route does not reach it.
 */
export class UsersDb {
  /** Lookups served so far. */
  lookups = 0;

  constructor(readonly latencyMs = 100) {}

  /** The user with `id`, or `null`. */
  async findUser(id: number): Promise<User | null> {
    this.lookups++;
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    return USERS.find((u) => u.id === id) ?? null;
  }

  /** Checks the demo's one account, `admin` / `password`. */
  authenticate(username: unknown, password: unknown): User | null {
    if (username === 'admin' && password === 'password') return USERS[0] ?? null;
    return null;
  }
}
