import { conformanceSuite } from './lib/suite.js';
import { adminScripts } from './scripts/admin.js';
import { arithScripts } from './scripts/arith.js';
import { casScripts } from './scripts/cas.js';
import { deleteScripts } from './scripts/delete.js';
import { flushScripts } from './scripts/flush.js';
import { miscScripts } from './scripts/misc.js';
import { retrievalScripts } from './scripts/retrieval.js';
import { storageScripts } from './scripts/storage.js';
import { touchScripts } from './scripts/touch.js';

conformanceSuite('text protocol matches memcached 1.6.18', [
  ...storageScripts,
  ...retrievalScripts,
  ...casScripts,
  ...arithScripts,
  ...touchScripts,
  ...deleteScripts,
  ...flushScripts,
  ...miscScripts,
  ...adminScripts,
]);
