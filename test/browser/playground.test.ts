import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';
import { startPricedGateway } from './priced-gateway.js';

/** Whether an <img> has really loaded (decoded pixels), not only that the element exists. */
async function imageLoaded(page: Page, name: string): Promise<boolean> {
  const image = page.getByRole('img', { name }).first();
  if ((await image.count()) === 0) return false;
  return image.evaluate((element) => (element as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0);
}

/**
 * Keeps the `mask` file of the next multipart request the page sends, base64 in `window.sentMask`:
 * the DevTools protocol does not report file parts of a request body, so it is read in the page.
 */
const CAPTURE_MASK = `(() => {
  const original = window.fetch;
  window.fetch = async (input, init) => {
    const mask = init && init.body instanceof FormData ? init.body.get('mask') : null;
    if (mask instanceof Blob) {
      const bytes = new Uint8Array(await mask.arrayBuffer());
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      window.sentMask = btoa(text);
    }
    return original(input, init);
  };
})()`;

describeInBrowser('dashboard: playground and history', (harness) => {
  let gateway: TestGateway;
  let imageDir: string;
  beforeAll(async () => {
    gateway = await startPricedGateway();
    imageDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-browser-images-'));
    // Two inputs of different sizes: the mask must match the FIRST one.
    await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .png()
      .toFile(path.join(imageDir, 'first.png'));
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 220, g: 60, b: 40 } } })
      .png()
      .toFile(path.join(imageDir, 'second.png'));
  });
  afterAll(async () => {
    await gateway?.close();
    if (imageDir) await rm(imageDir, { recursive: true, force: true });
  });

  it('generates with test/test and shows the image with cost, attempts and a download link', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, gateway.key);
    await page.goto(`${gateway.url}/playground?model=test%2Ftest`);
    await page.getByLabel('Prompt').fill('a lighthouse at dusk');
    await page.getByLabel('Size', { exact: true }).fill('96x64');
    await page.getByLabel('Quality').selectOption('high');
    await page.getByLabel('Output format').selectOption('png');
    await page.getByRole('button', { name: 'Generate' }).click();

    await expect.poll(() => imageLoaded(page, 'Result 1 of test/test'), { timeout: 20_000 }).toBe(true);
    const result = page.getByRole('article').first();
    const text = await result.textContent();
    expect(text).toContain('a lighthouse at dusk');
    expect(text).toContain('$0.0100');
    expect(text).toMatch(/test=ok;\d+ms/);
    await expect.poll(() => result.locator('figcaption').textContent()).toContain('96×64');
    expect(await result.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/\/storage\/.+\.png$/);

    // Results are still there after a visit to another page.
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('link', { name: 'Playground' }).click();
    await expect.poll(() => imageLoaded(page, 'Result 1 of test/test')).toBe(true);
  });

  it('uploads two images, paints a mask with the mouse, edits, then finds the edit in History', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, gateway.key);
    await page.goto(`${gateway.url}/playground?model=test%2Ftest`);
    await page.getByLabel(/Input images/).setInputFiles([path.join(imageDir, 'first.png'), path.join(imageDir, 'second.png')]);
    await expect.poll(() => page.getByRole('list', { name: 'Input images' }).getByRole('img').count()).toBe(2);

    // Paint a stroke across the middle of the first image.
    const canvas = page.getByLabel('Mask: paint over the area to edit');
    await expect.poll(() => canvas.isVisible()).toBe(true);
    // page.mouse does not scroll: bring the canvas into view first.
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByRole('button', { name: 'Undo' }).isEnabled()).toBe(true);

    await page.getByLabel('Prompt').fill('a red boat on the water');
    await page.getByLabel('Size', { exact: true }).fill('160x120');
    await page.evaluate(CAPTURE_MASK);
    const sent = page.waitForRequest((request) => request.url().endsWith('/v1/openai/images/edits'));
    await page.getByRole('button', { name: 'Edit' }).click();
    expect((await sent).headers()['prefer']).toBe('respond-async');

    // The mask as the gateway expects it: a PNG the size of the first image whose painted pixels
    // are transparent and the rest opaque.
    const mask = Buffer.from(String(await page.evaluate('window.sentMask')), 'base64');
    const { data, info } = await sharp(mask).raw().toBuffer({ resolveWithObject: true });
    expect((await sharp(mask).metadata()).format).toBe('png');
    expect([info.width, info.height, info.channels]).toEqual([160, 120, 4]);
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect(alphaAt(80, 60)).toBe(0); // under the stroke
    expect(alphaAt(5, 5)).toBe(255); // untouched corner

    await expect.poll(() => imageLoaded(page, 'Result 1 of test/test'), { timeout: 20_000 }).toBe(true);
    expect(await page.getByRole('article').first().textContent()).toContain('a red boat on the water');

    // "Use as input" puts the result back as an input image.
    await page.getByRole('button', { name: 'Use as input' }).first().click();
    await expect.poll(() => page.getByRole('list', { name: 'Input images' }).getByRole('img').count()).toBe(3);

    await page.getByRole('link', { name: 'History' }).click();
    const grid = page.getByRole('list', { name: 'Generations' });
    await expect.poll(() => grid.getByRole('button').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const newest = grid.getByRole('button').first();
    expect(await newest.getAttribute('aria-label')).toContain('test/test, success');
    await expect
      .poll(() => newest.locator('img').evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    await newest.click();
    const dialog = page.getByRole('dialog', { name: 'Generation' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const details = await dialog.textContent();
    expect(details).toContain('test/test');
    expect(details).toContain('success');
    expect(details).toContain('$0.0100');
    expect(details).toContain('a red boat on the water');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });
  it('takes a dropped image, undoes and clears the mask, explains a refused size, and pages History', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, gateway.key);
    await page.goto(`${gateway.url}/playground?model=test%2Ftest`);
    const png = (
      await sharp({ create: { width: 80, height: 80, channels: 3, background: { r: 0, g: 160, b: 90 } } })
        .png()
        .toBuffer()
    ).toString('base64');
    const dataTransfer = await page.evaluateHandle(`(() => {
      const bytes = Uint8Array.from(atob('${png}'), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      return transfer;
    })()`);
    await page.getByText('Drop images here').dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => page.getByRole('list', { name: 'Input images' }).getByRole('img').count()).toBe(1);

    const undo = page.getByRole('button', { name: 'Undo' });
    const clear = page.getByRole('button', { name: 'Clear' });
    await page.getByRole('button', { name: 'Mask all' }).click();
    await page.getByRole('button', { name: 'Mask all' }).click();
    await expect.poll(() => clear.isEnabled()).toBe(true);
    await undo.click();
    await expect.poll(() => undo.isEnabled()).toBe(true);
    await clear.click();
    await expect.poll(() => undo.isEnabled()).toBe(false);

    await page.getByLabel('Size', { exact: true }).fill('10x10');
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Something in the request needs fixing. (size)');

    // 30 more generations through the API: History shows a page, then "Load more" the rest.
    for (let index = 0; index < 30; index += 1) {
      const response = await fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: `p${index}`, size: '64x64' }),
      });
      expect(response.status).toBe(200);
    }
    await page.getByRole('link', { name: 'History' }).click();
    const thumbs = page.getByRole('list', { name: 'Generations' }).getByRole('button');
    await expect.poll(() => thumbs.count(), { timeout: 10_000 }).toBe(24);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => thumbs.count()).toBeGreaterThanOrEqual(30);
  });
  it('at 375 px: counts the seconds of a slow run while polling, then shows a failed run in words and in History', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    // A key of its own: History then lists only this test's two runs.
    await signIn(page, gateway.url, await gateway.createKey({ name: 'phone' }));
    await page.goto(`${gateway.url}/playground?model=test%2Ftest`);
    const polls: string[] = [];
    page.on('request', (request) => {
      if (/\/v1\/generations\/[^/?]+$/.test(request.url())) polls.push(request.url());
    });
    // The test provider waits as long as a prompt's [[delay:ms]] asks.
    await page.getByLabel('Prompt').fill('slow [[delay:2600]]');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/Running for [2-9] s/);
    await expect.poll(() => imageLoaded(page, 'Result 1 of test/test'), { timeout: 20_000 }).toBe(true);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByLabel('Prompt').fill('broken [[fail:503]]');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toMatch(/\S/);
    const said = await page.getByRole('alert').textContent();

    await page.getByRole('link', { name: 'History' }).click();
    const thumbs = page.getByRole('list', { name: 'Generations' }).getByRole('button');
    await expect.poll(() => thumbs.count()).toBe(2);
    await page.getByLabel('Status').selectOption('error');
    await expect.poll(() => thumbs.count()).toBe(1);
    const failed = thumbs.first();
    expect(await failed.getAttribute('aria-label')).toContain('test/test, error');
    await failed.click();
    const dialog = page.getByRole('dialog', { name: 'Generation' });
    await expect.poll(() => dialog.textContent()).toContain('error');
    // The dialog repeats the message the playground showed.
    expect(said).toContain((await dialog.locator('dd.error').last().textContent())!.replace(/ \(\d+.*\)$/, ''));
  });
});
