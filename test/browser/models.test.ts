import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';
import { startPricedGateway } from './priced-gateway.js';

describeInBrowser('dashboard: models', (harness) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startPricedGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('filters the catalog to test/test, opens its page with price and routes, and tries it in the playground', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, gateway.key);
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    const models = page.getByRole('list', { name: 'Models' });
    await expect.poll(() => models.getByRole('listitem').count(), { timeout: 10_000 }).toBeGreaterThan(1);

    await page.getByLabel('Search').fill('test');
    await page.getByLabel('Supports mask').check();
    await page.getByLabel('Available here').check();
    await page.getByLabel('Sort by').selectOption('price');
    await expect.poll(() => models.getByRole('link').allTextContents()).toEqual(['test/test']);
    expect(await models.textContent()).toMatch(/\$0\.01(?!\d)/);

    await models.getByRole('link', { name: 'test/test' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('test/test');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toMatch(/\$0\.01(?!\d)/);
    expect(facts).toContain('low, medium, high');
    // The routes table: the `test` provider, configured, with its health.
    const route = page.getByRole('row', { name: /^test test\/test/ });
    await expect.poll(() => route.textContent(), { timeout: 10_000 }).toContain('yes');

    // Back: the list keeps its filters (they live in the URL).
    await page.goBack();
    await expect.poll(() => page.getByLabel('Search').inputValue()).toBe('test');
    expect(await page.getByLabel('Supports mask').isChecked()).toBe(true);
    expect(await page.getByLabel('Sort by').inputValue()).toBe('price');
    await page.goForward();

    await page.getByRole('link', { name: 'Try it' }).click();
    await expect.poll(() => page.url()).toContain('/playground?model=test%2Ftest');
    await expect.poll(() => page.getByLabel('Model').inputValue()).toBe('test/test');
  });

  it('works at 375 px with the keyboard, and says when a model does not exist', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, gateway.url, gateway.key);
    await page.getByLabel('Search').fill('test/test');
    const link = page.getByRole('list', { name: 'Models' }).getByRole('link', { name: 'test/test' });
    await expect.poll(() => link.count()).toBe(1);
    await link.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('test/test');
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);

    // An unknown model: the gateway's 404 in words.
    await page.goto(`${gateway.url}/models/no/such-model`);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Not found.');
  });
});
