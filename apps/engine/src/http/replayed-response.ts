/** A response stored for an Idempotency-Key, sent again as it was (the filter writes it). */
export class ReplayedResponse extends Error {
  override readonly name = 'ReplayedResponse';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Replayed response ${status}`);
  }
}
