/** A dependency `/ready` checks does not answer. The message is for clients; `cause` has the detail for logs. */
export class NotReadyError extends Error {
  constructor(
    /** What is down: `database`, `storage`. */
    readonly dependency: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'NotReadyError';
  }
}
