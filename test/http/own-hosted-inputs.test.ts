import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const DAY_MS = 86_400_000;

/**
 * An agent generates, then edits its own result by sending the hosted URL back. The gateway's own
 * URLs are read from storage: no network, no allowlist; any other private address stays blocked.
 */
describe('hosted images as inputs', () => {
  let gateway: TestGateway;
  let other: Server;
  let otherPort: number;
  let now = Date.UTC(2026, 6, 1);

  beforeAll(async () => {
    // PUBLIC_URL is the loopback address the test reaches it at; the allowlist is empty.
    gateway = await startTestGateway({ IMAGEROUTER_URL_ALLOWLIST: '', IMAGEROUTER_RETENTION_DAYS: '1' }, { clock: () => now });
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    other = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => other?.close(resolve));
  });

  const post = (path: string, body: Record<string, unknown>) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/test', ...body }),
    });

  it('edits the hosted result of an earlier generation, under PUBLIC_URL and on 127.0.0.1 and localhost at the gateway port', async () => {
    const first = await post('/v1/openai/images/generations', { prompt: 'a lighthouse', size: '96x64', output_format: 'png' });
    expect(first.status).toBe(200);
    const hosted = ((await first.json()) as { data: Array<{ url: string }> }).data[0]!.url;
    expect(hosted.startsWith(`${gateway.url}/storage/`)).toBe(true);
    const port = new URL(gateway.url).port;
    const file = hosted.split('/').pop();

    for (const url of [hosted, `http://localhost:${port}/storage/${file}`]) {
      const edit = await post('/v1/openai/images/edits', {
        prompt: 'make it night',
        image: url,
        size: '96x64',
        response_format: 'b64_json',
        output_format: 'png',
      });
      expect(edit.status, url).toBe(200);
      const b64 = ((await edit.json()) as { data: Array<{ b64_json: string }> }).data[0]!.b64_json;
      expect((await sharp(Buffer.from(b64, 'base64')).metadata()).format).toBe('png');
    }
  });

  it('still refuses another loopback port, naming the parameter', async () => {
    const response = await post('/v1/openai/images/edits', { prompt: 'x', image: `http://127.0.0.1:${otherPort}/storage/picture.png` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'image[0]', code: 'download_blocked_address' } });
  });

  it('answers 400 naming the parameter for an unknown or expired hosted image', async () => {
    const unknown = await post('/v1/openai/images/edits', {
      prompt: 'x',
      image: `${gateway.url}/storage/00000000-0000-4000-8000-000000000000.png`,
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { param: 'image[0]', code: 'image_not_found' } });

    const first = await post('/v1/openai/images/generations', { prompt: 'short-lived', size: '64x64' });
    const hosted = ((await first.json()) as { data: Array<{ url: string }> }).data[0]!.url;
    now += DAY_MS;
    const expired = await post('/v1/openai/images/edits', { prompt: 'x', mask: hosted, image: hosted });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ error: { param: 'image[0]', code: 'image_not_found' } });
  });
});
