import type { CommandHandler } from '../command.js';

/**
 * `mn`: meta no-op. Replies `MN` in order, so a client pipelining quiet (`q`) commands knows
 * every earlier reply has arrived. Any arguments are ignored, as in memcached.
 */
export const mn: CommandHandler = (ctx) => {
  ctx.reply('MN');
};
