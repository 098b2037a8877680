import type { CommandHandler } from '../command.js';
import { arithmeticCommands } from './arithmetic.js';
import { configCommand } from './config.js';
import { deleteCommand } from './delete.js';
import { flushAllCommand } from './flush.js';
import { miscCommands } from './misc.js';
import { retrievalCommands } from './retrieval.js';
import { statsCommand } from './stats.js';
import { storageCommands } from './storage.js';
import { touchCommand } from './touch.js';

/** Every text-protocol command, by name. */
export const textCommands: Record<string, CommandHandler> = {
  ...storageCommands,
  ...retrievalCommands,
  ...arithmeticCommands,
  ...miscCommands,
  delete: deleteCommand,
  touch: touchCommand,
  flush_all: flushAllCommand,
  stats: statsCommand,
  config: configCommand,
};
