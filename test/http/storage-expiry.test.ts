import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const DAY_MS = 86_400_000;

/** Retention holds at the instant of expiry, not at the next hourly sweep. */
forEachDatabase((harness) => {
  describe('/storage past the retention time', () => {
    let gateway: TestGateway;
    let now = Date.UTC(2026, 5, 1);

    beforeAll(async () => {
      gateway = await startTestGateway(
        { DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_RETENTION_DAYS: '2' },
        { clock: () => now },
      );
    });
    afterAll(() => gateway?.close());

    it('serves an image until it expires, with a cache lifetime that ends at expiry, then answers 404 before any sweep', async () => {
      const response = await fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a short-lived picture', size: '64x64' }),
      });
      expect(response.status).toBe(200);
      const url = ((await response.json()) as { data: Array<{ url: string }> }).data[0]!.url;

      now += 2 * DAY_MS - 10_000;
      const fresh = await fetch(url);
      expect(fresh.status).toBe(200);
      expect(fresh.headers.get('cache-control')).toBe('public, max-age=10, immutable');
      expect((await fresh.arrayBuffer()).byteLength).toBeGreaterThan(0);

      now += 10_000;
      const expired = await fetch(url);
      expect(expired.status).toBe(404);
      expect(await expired.json()).toMatchObject({ error: { code: 'image_not_found' } });
    });

    it('answers 404 for a file whose extension differs from the stored one', async () => {
      const response = await fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a png', size: '64x64', output_format: 'png' }),
      });
      const url = ((await response.json()) as { data: Array<{ url: string }> }).data[0]!.url;
      expect(url.endsWith('.png')).toBe(true);
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url.replace(/\.png$/, '.webp'))).status).toBe(404);
    });
  });
});
