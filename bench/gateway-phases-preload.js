// Loaded into the gateway by the `overhead` scenario (`node --import`), never by the gateway
// itself: where a request's time goes, from the diagnostics channels of node:http and the gateway's upstream client, so
// the gateway's code is measured as it ships. It assumes one request at a time (c=1): each phase
// belongs to the request that started last. SIGUSR2 starts a recording; the next SIGUSR2 writes
// it to BENCH_PHASES_FILE (written whole, then renamed into place) and stops.
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_PHASES_FILE;
let recording = false;
/** @type {Array<Record<string, number>>} */
let rows = [];
/** @type {Record<string, number> | undefined} */
let current;

const mark = (name) => () => {
  if (current !== undefined && current[name] === undefined) current[name] = performance.now();
};
subscribe('http.server.request.start', () => {
  current = recording ? { arrived: performance.now() } : undefined;
});
// The gateway's upstream client (src/providers/common/http1-connection.ts).
subscribe('imagerouter:http1:request-sent', mark('sent'));
subscribe('imagerouter:http1:response-end', mark('answered'));
subscribe('http.server.response.finish', () => {
  if (current === undefined) return;
  current.finished = performance.now();
  rows.push(current);
  current = undefined;
});

process.on('SIGUSR2', () => {
  if (!recording) {
    recording = true;
    rows = [];
    return;
  }
  recording = false;
  if (file === undefined) return;
  writeFileSync(`${file}.partial`, JSON.stringify(rows));
  renameSync(`${file}.partial`, file);
  rows = [];
});
