/** memcached's REALTIME_MAXDELTA: exptimes above 30 days are absolute unix times. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;

/** memcached's ITEM_UPDATE_INTERVAL: an item is bumped in the LRU at most this often. */
export const ITEM_UPDATE_INTERVAL = 60;

/**
 * The server's relative clock, as memcached keeps it: `now` counts seconds since a point a
 * little before start (memcached backdates `process_started` by ITEM_UPDATE_INTERVAL + 2 so
 * that fresh items never look bumpable), and `advance()` moves it forward like a debug
 * build's `debugtime`, which is how tests expire items without sleeping.
 */
export class ServerClock {
  /** Unix time (seconds) that relative time 0 stands for. */
  readonly processStarted: number;
  private offsetSeconds = 0;
  private readonly startMs: number;

  constructor(nowMs: number = Date.now()) {
    this.startMs = nowMs;
    this.processStarted = Math.floor(nowMs / 1000) - ITEM_UPDATE_INTERVAL - 2;
  }

  /** Relative server time in whole seconds (memcached's `current_time`). */
  now(): number {
    // Real memcached ticks once a second from a timer; reading the wall clock gives the same
    // numbers without a timer keeping the process alive.
    return (
      Math.floor((Date.now() - this.startMs) / 1000) + ITEM_UPDATE_INTERVAL + 2 + this.offsetSeconds
    );
  }

  /** Unix time (seconds) as the server sees it, including any advance. */
  unixNow(): number {
    return this.processStarted + this.now();
  }

  /** Moves the clock forward (or back) by `seconds`. */
  advance(seconds: number): void {
    this.offsetSeconds += seconds;
  }

  /**
   * Converts a client exptime to server time, per memcached's `realtime()`: 0 is never,
   * negative is already expired, up to 30 days is relative, above it an absolute unix time.
   */
  realtime(exptime: number): number {
    if (exptime === 0) return 0;
    if (exptime < 0) return 1;
    if (exptime > REALTIME_MAXDELTA) {
      if (exptime <= this.processStarted) return 1;
      return exptime - this.processStarted;
    }
    return exptime + this.now();
  }
}
