import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';
import { callGateway, startPricedGateway } from './priced-gateway.js';

describeInBrowser('dashboard: keys', (harness) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startPricedGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('creates a key with limits, shows it once with a copy button, lists it, and revokes it after a confirm step', async () => {
    const { page, context } = harness;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
    await signIn(page, gateway.url, gateway.key);
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ci-bot');
    await page.getByLabel('Spend limit, USD (optional)').fill('5');
    await page.getByLabel('Spend limit period').selectOption('week');
    await page.getByLabel('Requests per minute (optional)').fill('10');
    await page.getByLabel('Max concurrent generations (optional)').fill('2');
    await page.getByRole('button', { name: 'Create key' }).click();

    // Shown once, with a copy button that puts exactly the key on the clipboard.
    const secret = page.getByLabel('New API key');
    await expect.poll(() => secret.isVisible(), { timeout: 10_000 }).toBe(true);
    const key = await secret.inputValue();
    expect(key).toMatch(/^sk-/);
    // Focus lands on the secret, so a keyboard user can copy it at once.
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('new-key-secret');
    await page.getByRole('button', { name: 'Copy' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /Copied|Selected/ })
          .count(),
      )
      .toBeGreaterThan(0);
    if ((await page.getByText('Copied.').count()) > 0) expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);
    expect((await callGateway(gateway, key, 'GET', '/v1/credits')).status).toBe(200);

    // In the list, with its limits; the secret itself is gone once dismissed (and after a reload).
    const row = page.getByRole('row').filter({ hasText: 'ci-bot' });
    await expect.poll(() => row.textContent()).toContain('active');
    expect(await row.textContent()).toContain('of $5.00 per week');
    expect(await row.textContent()).toContain('10/min');
    expect(await row.textContent()).toContain('2 at once');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByLabel('New API key').count()).toBe(0);
    await page.reload();
    await expect.poll(() => row.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.content()).not.toContain(key);

    // Revoke: a first press only asks; Cancel backs out; "Yes, revoke" revokes.
    await row.getByRole('button', { name: 'Revoke ci-bot' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await callGateway(gateway, key, 'GET', '/v1/credits')).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke ci-bot' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'revoked' }).count()).toBe(1);
    const after = await callGateway(gateway, key, 'GET', '/v1/credits');
    expect(after.status).toBe(401);
  });

  it('refuses an invalid limit with the gateway message, at 375 px', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, gateway.url, gateway.key);
    await page.goto(`${gateway.url}/keys`);
    await page.getByLabel('Name', { exact: true }).fill('too-fast');
    await page.getByLabel('Requests per minute (optional)').fill('2000000');
    // The browser's own min/max check is only on step/min here; the gateway answers the max.
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('requests_per_minute');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });
  it("lets an admin create a key in a new account with starting credits, and shows every account's keys", async () => {
    const { page } = harness;
    await signIn(page, gateway.url, await gateway.createKey({ admin: true, name: 'ops' }));
    await page.goto(`${gateway.url}/keys`);
    await page.getByLabel('Name', { exact: true }).fill('partner');
    await page.getByLabel('Account', { exact: true }).selectOption({ label: 'a new account' });
    await page.getByLabel('Starting credits, USD (new account; blank = unlimited)').fill('2');
    await page.getByRole('checkbox', { name: 'read' }).uncheck();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('New API key');
    await expect.poll(() => secret.isVisible(), { timeout: 10_000 }).toBe(true);
    const me = await callGateway(gateway, await secret.inputValue(), 'GET', '/v1/key');
    expect(me.status).toBe(200);
    expect(me.body['scopes']).toEqual(['generate']);
    expect((me.body['account'] as { balance: number }).balance).toBe(2);

    const table = page.getByRole('table', { name: 'API keys' });
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'partner' }).count()).toBe(1);
    expect(await table.getByRole('columnheader', { name: 'Account' }).count()).toBe(1);
    // The user key of the first test's account is listed too.
    expect(await table.getByRole('row').filter({ hasText: 'this key' }).count()).toBe(1);
  });
});
