import type { ServerResponse } from 'node:http';

/**
 * Writes `pieces` one at a time with `pauseMs` between them, then ends the response: a fake
 * upstream's answer then reaches the gateway as at least that many reads, cut where the pieces are.
 */
export function writeInPieces(response: ServerResponse, pieces: readonly Buffer[], pauseMs: number): void {
  const writeNext = (index: number): void => {
    if (index === pieces.length) return void response.end();
    response.write(pieces[index]);
    setTimeout(() => writeNext(index + 1), pauseMs);
  };
  writeNext(0);
}
