/**
 * Bytes several downloads share (all the image URLs of one request). Each download takes every
 * chunk from it as the chunk arrives, before keeping it, so downloads running at the same time can
 * never get more than `limit` together: reserving as bytes stream needs no locking (one thread)
 * and keeps the downloads parallel, where handing each a fixed share up front would refuse
 * uneven but legitimate mixes (one large image beside small ones).
 */
export class DownloadBudget {
  readonly limit: number;
  #received = 0;
  #refused = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes taken so far: never more than `limit`. */
  get received(): number {
    return this.#received;
  }

  /** What a download may still take; 0 once a request was refused. */
  get remaining(): number {
    return this.#refused ? 0 : this.limit - this.#received;
  }

  /**
   * Takes `bytes` if they all fit, else nothing. A refusal fails the request, so it also ends the
   * budget: the other downloads stop at their next chunk instead of using up what is left.
   */
  take(bytes: number): boolean {
    if (bytes > this.remaining) {
      this.#refused = true;
      return false;
    }
    this.#received += bytes;
    return true;
  }
}
