import type { CommandHandler } from '../command.js';

/**
 * `config get cluster`: ElastiCache's auto-discovery command, answered when the server was
 * started with `clusterConfig`. Anything else (and an unconfigured server) gets memcached's own
 * reply to a command it does not know.
 */
export const configCommand: CommandHandler = (ctx, tokens) => {
  const config = ctx.server.clusterConfig;
  if (!config.enabled || tokens.length !== 3 || tokens[1] !== 'get' || tokens[2] !== 'cluster') {
    ctx.error('ERROR');
    return;
  }
  ctx.write(config.render());
};
