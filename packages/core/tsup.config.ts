import { packageConfig } from '../../scripts/tsup-package.js';

// The bin launchers (bin/*.js) import the CLI entry points from dist/.
export default packageConfig(import.meta.dirname, {
  extraEntries: ['cli/memkit', 'cli/memkit-server'],
});
