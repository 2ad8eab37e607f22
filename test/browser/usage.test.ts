import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';
import { callGateway, startPricedGateway } from './priced-gateway.js';

describeInBrowser('dashboard: usage', (harness) => {
  let gateway: TestGateway;
  let generationId: string;
  beforeAll(async () => {
    gateway = await startPricedGateway();
    const generated = await callGateway(gateway, gateway.key, 'POST', '/v1/openai/images/generations', {
      model: 'test/test',
      prompt: 'a lighthouse',
    });
    expect(generated.status).toBe(200);
    generationId = String(generated.body['id']);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('shows a generation made over HTTP in the table and the charts, and exports it as CSV', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, gateway.key);
    await page.getByRole('link', { name: 'Usage' }).click();

    const table = page.getByRole('table', { name: 'Generations' });
    const row = table.getByRole('row').filter({ hasText: 'test/test' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain('success');
    expect(await row.textContent()).toContain('$0.0100');

    // Both charts render with a bar for today, and carry their numbers for screen readers.
    const spend = page.getByRole('img', { name: /Daily spend/ });
    await expect.poll(() => spend.count()).toBe(1);
    expect(await spend.locator('rect').count()).toBeGreaterThan(0);
    expect(
      await page
        .getByRole('img', { name: /Daily generations/ })
        .locator('rect')
        .count(),
    ).toBeGreaterThan(0);
    expect(await page.getByText('1 generation · 1 image · $0.0100').count()).toBe(1);
    await page.getByText('Show data: Daily spend (USD)').click();
    const today = new Date().toISOString().slice(0, 10);
    expect(
      await page
        .getByRole('row', { name: new RegExp(today) })
        .first()
        .textContent(),
    ).toContain('$0.0100');

    // By key: the series is the key's name.
    await page.getByLabel('by key').check();
    await expect.poll(() => page.getByRole('columnheader', { name: /^test \(sk-/ }).count()).toBeGreaterThan(0);

    // Filters: an error-only view has no rows.
    await page.getByLabel('Status').selectOption('error');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('No generations match these filters.').count()).toBe(1);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Model', { exact: true }).fill('test/other');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('No generations match these filters.').count()).toBe(1);
    // The model field suggests the catalog's ids.
    expect(await page.locator('#usage-model-ids option[value="test/test"]').count()).toBe(1);
    await page.getByLabel('Model', { exact: true }).fill('test/test');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => row.count()).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv).toContain(generationId);
    expect(download.suggestedFilename()).toMatch(/^usage-.*\.csv$/);
  });

  it('gives an admin every account, with an account filter and cursor paging, at 375 px', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    const adminKey = await gateway.createKey({ admin: true, name: 'ops' });
    // 25 more in the admin's own account: 26 in all, one more than a page.
    for (let index = 0; index < 25; index += 1) {
      const generated = await callGateway(gateway, adminKey, 'POST', '/v1/openai/images/generations', {
        model: 'test/test',
        prompt: `p${index}`,
      });
      expect(generated.status).toBe(200);
    }
    await signIn(page, gateway.url, adminKey);
    await page.goto(`${gateway.url}/usage`);
    const table = page.getByRole('table', { name: 'Generations' });
    const rows = table.getByRole('row').filter({ hasText: 'test/test' });
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(25);
    await page.getByRole('button', { name: 'Next page' }).click();
    // The oldest one, made by the user key in beforeAll, is alone on page 2.
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.textContent()).toContain('test (sk-');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(25);

    // The account filter narrows to the user's account.
    await page.getByLabel('Account').selectOption({ label: 'test' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await table.getByRole('columnheader', { name: 'Account' }).count()).toBe(1);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
