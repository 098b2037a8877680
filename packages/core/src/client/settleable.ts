// Set by `capture` while `new Promise(capture)` runs; read right after by the constructor.
let capturedResolve: (value: never) => void = () => {};
let capturedReject: (error: unknown) => void = () => {};

function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * Base of the objects that carry a caller's promise with its resolve and reject. One shared
 * executor hands those over, so a request allocates no closure (nor its context) for them:
 * requests are made by the hundred thousand per second.
 */
export abstract class Settleable<T> {
  /** The promise the caller awaits. */
  readonly promise: Promise<T>;
  protected readonly resolve: (value: T) => void;
  protected readonly reject: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>(capture);
    this.resolve = capturedResolve as (value: T) => void;
    this.reject = capturedReject;
  }
}
