/**
 * Collects a body's chunks as they arrive, without joining them. A body that trickles in tiny
 * pieces (a slow or misbehaving upstream) would otherwise be held as a million Buffer objects; each
 * run of `joinEvery` chunks is joined into one, so at most `joinEvery` loose chunks are held beside
 * the joined runs and every byte is copied at most once. Bodies in socket-sized chunks (64 KiB)
 * reach a run only past ~64 MiB.
 */
export class ChunkCollector {
  readonly chunks: Buffer[] = [];
  size = 0;
  private joined = 0;

  constructor(private readonly joinEvery = 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.chunks.length - this.joined >= this.joinEvery) {
      const run = this.chunks.splice(this.joined);
      this.chunks.push(Buffer.concat(run));
      this.joined = this.chunks.length;
    }
  }
}
