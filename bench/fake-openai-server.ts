/**
 * A minimal OpenAI Images upstream for the overhead benchmark, run as its own process: every POST
 * to `/v1/images/generations` is answered at once with the same 1024x1024 PNG in `b64_json`
 * (a ~1.9 MB JSON body), as gpt-image models answer; `POST /v1/images/edits` (multipart, as
 * OpenAI's edits endpoint) is drained unread and answered the same way, so a memory benchmark sees
 * the gateway's copies and none of the upstream's. Prints `listening <port>` when ready.
 * Usage: `fake-openai-server.ts [port] [failEvery]`: with `failEvery` = N, every Nth generation is
 * answered with a 500 instead (the soak's upstream errors).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

const EDGE = 1024;
/** Gentle noise over smooth gradients: a photo-like PNG of ~1.4 MB (a flat one would compress to nothing). */
const NOISE = 0.45;

async function photoLikePng(): Promise<Buffer> {
  const raw = Buffer.alloc(EDGE * EDGE * 3);
  let seed = 1;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let y = 0; y < EDGE; y += 1) {
    for (let x = 0; x < EDGE; x += 1) {
      const index = (y * EDGE + x) * 3;
      const noise = (random() - 0.5) * 2 * NOISE;
      raw[index] = x / 4 + noise;
      raw[index + 1] = y / 4 + noise;
      raw[index + 2] = 128 + 64 * Math.sin(x / 50) * Math.cos(y / 70) + noise;
    }
  }
  return sharp(raw, { raw: { width: EDGE, height: EDGE, channels: 3 } })
    .png()
    .toBuffer();
}

const png = await photoLikePng();
const body = Buffer.from(
  JSON.stringify({
    created: 1_764_000_000,
    background: 'opaque',
    data: [{ b64_json: png.toString('base64') }],
    output_format: 'png',
    quality: 'high',
    size: `${EDGE}x${EDGE}`,
    usage: { input_tokens: 12, input_tokens_details: { image_tokens: 0, text_tokens: 12 }, output_tokens: 4160, total_tokens: 4172 },
  }),
);

const failEvery = Number(process.argv[3] ?? 0);
let generations = 0;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const isEdit = request.url?.endsWith('/images/edits') === true;
    if (request.method !== 'POST' || !(isEdit || request.url?.endsWith('/images/generations'))) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    if (isEdit && !request.headers['content-type']?.startsWith('multipart/form-data')) {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":{"message":"edits take multipart/form-data","type":"invalid_request_error"}}');
      return;
    }
    generations += 1;
    if (failEvery > 0 && generations % failEvery === 0) {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port} ${png.length} ${body.length}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
