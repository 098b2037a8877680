import { type ConformanceScript, script, store } from '../lib/script.js';

const seed = store('set', 'a', 'alpha');

/** delete and its legacy time argument. */
export const deleteScripts: ConformanceScript[] = [
  script('delete hit', `${seed}delete a\r\nget a\r\n`, { bytewise: true }),
  script('delete miss', 'delete nope\r\n'),
  script('delete noreply', `${seed}delete a noreply\r\ndelete a noreply\r\nget a\r\n`),
  script('delete with time 0', `${seed}delete a 0\r\nget a\r\n`),
  script('delete with time 0 noreply', `${seed}delete a 0 noreply\r\nget a\r\n`),
  script('delete with nonzero time', `${seed}delete a 10\r\nget a\r\n`),
  script('delete with nonzero time noreply', `${seed}delete a 10 noreply\r\nget a\r\n`),
  script('delete with garbage', `${seed}delete a xyz\r\nget a\r\n`),
  script('delete too many fields', `${seed}delete a 0 noreply x\r\nget a\r\n`),
  script('delete without key', 'delete\r\n'),
  script('delete key 250', `${store('set', 'd'.repeat(250), 'v')}delete ${'d'.repeat(250)}\r\n`),
  script('delete key 251', `delete ${'d'.repeat(251)}\r\n`),
  script('delete twice', `${seed}delete a\r\ndelete a\r\n`),
];
