import { createInterface } from 'node:readline/promises';

/** Where the `memkit` CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The environment, for `MEMCACHED_SERVERS`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question; `false` unless answered yes (and when there is no terminal). */
  confirm(question: string): Promise<boolean>;
  /** Whether there is a terminal to ask on; without one, `flush` needs `--yes`. @default true */
  interactive?: boolean;
}

/** The process's own stdin, stdout, stderr and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    interactive: process.stdin.isTTY === true,
    async confirm(question) {
      // Without a terminal there is nobody to ask: flushing needs an explicit --yes.
      if (!process.stdin.isTTY) return false;
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = await rl.question(question);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
