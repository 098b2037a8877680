// Meta protocol commands (mg ms md ma mn me) for the in-process server.
import type { CommandHandler } from '../command.js';
import { ma } from './ma.js';
import { md } from './md.js';
import { me } from './me.js';
import { mg } from './mg.js';
import { mn } from './mn.js';
import { ms } from './ms.js';

/** Meta command handlers keyed by command name; dispatch.ts merges them with the text commands. */
export const metaCommands: Record<string, CommandHandler> = { mg, ms, md, ma, mn, me };
