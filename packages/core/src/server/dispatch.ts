import type { CommandHandler } from './command.js';
import { textCommands } from './commands/index.js';
import { metaCommands } from './meta/index.js';

/**
 * Command name → handler, text and meta merged. Unknown names (and names shorter than two
 * bytes) get memcached's plain `ERROR` from the connection.
 */
export const commandTable: ReadonlyMap<string, CommandHandler> = new Map<string, CommandHandler>([
  ...Object.entries(textCommands),
  ...Object.entries(metaCommands),
]);
