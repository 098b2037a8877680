/** How a memcached_exporter metric is read from one server's `stats` reply. */
export interface ServerMetricSpec {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** The `stats` field it copies. */
  stat: string;
}

/** The memcached_exporter metrics memkit exports, by the exporter's own names. */
export const SERVER_METRICS: readonly ServerMetricSpec[] = [
  {
    name: 'memcached_uptime_seconds',
    help: 'Seconds the server has been up.',
    type: 'counter',
    stat: 'uptime',
  },
  {
    name: 'memcached_current_bytes',
    help: 'Current number of bytes used to store items.',
    type: 'gauge',
    stat: 'bytes',
  },
  {
    name: 'memcached_limit_bytes',
    help: 'Number of bytes this server is allowed to use for storage.',
    type: 'gauge',
    stat: 'limit_maxbytes',
  },
  {
    name: 'memcached_current_items',
    help: 'Current number of items stored by this instance.',
    type: 'gauge',
    stat: 'curr_items',
  },
  {
    name: 'memcached_items_total',
    help: 'Total number of items stored during the life of this instance.',
    type: 'counter',
    stat: 'total_items',
  },
  {
    name: 'memcached_items_evicted_total',
    help: 'Total number of valid items removed from cache to free memory for new items.',
    type: 'counter',
    stat: 'evictions',
  },
  {
    name: 'memcached_current_connections',
    help: 'Current number of open connections.',
    type: 'gauge',
    stat: 'curr_connections',
  },
  {
    name: 'memcached_connections_total',
    help: 'Total number of connections opened since the server started running.',
    type: 'counter',
    stat: 'total_connections',
  },
  {
    name: 'memcached_max_connections',
    help: 'Maximum number of clients allowed.',
    type: 'gauge',
    stat: 'max_connections',
  },
  {
    name: 'memcached_read_bytes_total',
    help: 'Total number of bytes read by this server from network.',
    type: 'counter',
    stat: 'bytes_read',
  },
  {
    name: 'memcached_written_bytes_total',
    help: 'Total number of bytes sent by this server to network.',
    type: 'counter',
    stat: 'bytes_written',
  },
];

/** `memcached_commands_total{command,status}` as the exporter derives it from `stats`. */
export const COMMAND_STATS: readonly { command: string; status: string; stat: string }[] = [
  { command: 'get', status: 'hit', stat: 'get_hits' },
  { command: 'get', status: 'miss', stat: 'get_misses' },
  { command: 'set', status: 'hit', stat: 'cmd_set' },
  { command: 'delete', status: 'hit', stat: 'delete_hits' },
  { command: 'delete', status: 'miss', stat: 'delete_misses' },
  { command: 'incr', status: 'hit', stat: 'incr_hits' },
  { command: 'incr', status: 'miss', stat: 'incr_misses' },
  { command: 'decr', status: 'hit', stat: 'decr_hits' },
  { command: 'decr', status: 'miss', stat: 'decr_misses' },
  { command: 'cas', status: 'hit', stat: 'cas_hits' },
  { command: 'cas', status: 'miss', stat: 'cas_misses' },
  { command: 'cas', status: 'badval', stat: 'cas_badval' },
  { command: 'touch', status: 'hit', stat: 'touch_hits' },
  { command: 'touch', status: 'miss', stat: 'touch_misses' },
  { command: 'flush', status: 'hit', stat: 'cmd_flush' },
];
