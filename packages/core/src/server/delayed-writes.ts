interface DelayedBatch {
  readonly due: number;
  readonly data: Buffer;
}

/**
 * Reply batches held back by the `delay(ms)` test control. One timer at a time releases them
 * in order, so lowering the delay never lets a later batch overtake an earlier one.
 */
export class DelayedWrites {
  private queue: DelayedBatch[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Bytes waiting. */
  bytes = 0;

  /**
   * @param send writes one batch to the socket.
   * @param drained called after the last waiting batch went out.
   */
  constructor(
    private readonly send: (data: Buffer) => void,
    private readonly drained: () => void,
  ) {}

  /** Whether batches are waiting (later ones must queue behind them even with no delay). */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Holds `data` back for `delayMs`. */
  push(data: Buffer, delayMs: number): void {
    const now = Date.now();
    this.queue.push({ due: now + delayMs, data });
    this.bytes += data.length;
    if (this.timer === undefined) this.arm(now);
  }

  private arm(now: number): void {
    const first = this.queue[0];
    if (first === undefined) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, first.due - now));
  }

  private release(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const batch = this.queue.shift()!;
      this.bytes -= batch.data.length;
      this.send(batch.data);
    }
    if (this.queue.length > 0) this.arm(now);
    else this.drained();
  }

  /** Drops everything (the socket is gone). */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.bytes = 0;
  }
}
