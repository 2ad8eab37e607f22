import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';
import { callGateway, startPricedGateway } from './priced-gateway.js';

describeInBrowser('dashboard: admin', (harness) => {
  let gateway: TestGateway;
  let adminKey: string;
  let accountId: string;
  beforeAll(async () => {
    gateway = await startPricedGateway();
    adminKey = await gateway.createKey({ admin: true, name: 'ops' });
    const created = await callGateway(gateway, adminKey, 'POST', '/v1/admin/accounts', { name: 'acme', credits: 1 });
    expect(created.status).toBe(201);
    accountId = String(created.body['id']);
    // One call through the test provider, so its health has numbers.
    await callGateway(gateway, gateway.key, 'POST', '/v1/openai/images/generations', { model: 'test/test', prompt: 'a kite' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('grants credits with a note and shows the new balance, which the admin API agrees with', async () => {
    const { page } = harness;
    await signIn(page, gateway.url, adminKey);
    await page.getByRole('link', { name: 'Admin' }).click();
    const row = page.getByRole('table', { name: 'Accounts' }).getByRole('row').filter({ hasText: 'acme' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('$1.00');

    await row.getByRole('button', { name: 'Grant credits to acme' }).click();
    await page.getByLabel('Amount, USD (negative deducts)').fill('2.5');
    await page.getByLabel('Note (optional)').fill('pilot');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Granted' }).textContent()).toContain('balance now $3.50');
    await expect.poll(() => row.textContent()).toContain('$3.50');

    // The ledger shows the grant with its note.
    await row.getByRole('button', { name: 'Ledger of acme' }).click();
    const ledgerRow = page.getByRole('table', { name: 'Ledger of acme' }).getByRole('row').filter({ hasText: 'pilot' });
    await expect.poll(() => ledgerRow.textContent()).toContain('$2.50');

    const account = await callGateway(gateway, adminKey, 'GET', `/v1/admin/accounts/${accountId}`);
    expect(account.body['balance']).toBe(3.5);
    const ledger = await callGateway(gateway, adminKey, 'GET', `/v1/admin/accounts/${accountId}/ledger`);
    expect(JSON.stringify(ledger.body)).toContain('pilot');
  });

  it('creates an account, lists provider health with the test provider, and shows the configuration with secrets masked', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, gateway.url, adminKey);
    await page.goto(`${gateway.url}/admin`);
    await page.getByLabel('New account name').fill('globex');
    await page.getByLabel('Starting credits, USD (blank = unlimited)').fill('4');
    await page.getByRole('button', { name: 'Create account' }).click();
    const row = page.getByRole('table', { name: 'Accounts' }).getByRole('row').filter({ hasText: 'globex' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('$4.00');

    const test = page.getByRole('table', { name: 'Provider health' }).getByRole('row').filter({ hasText: /^test/ });
    await expect.poll(() => test.count()).toBeGreaterThan(0);
    // One call in beforeAll, no errors; the test provider runs without a breaker.
    await expect.poll(() => test.first().textContent()).toMatch(/0\.0%\s*1\s*\d+ ms/);
    expect(await test.first().textContent()).toMatch(/disabled|closed/);

    const settings = page.getByRole('table', { name: 'Settings' });
    await expect.poll(() => settings.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.content()).not.toContain(adminKey);
    expect(
      await page.getByRole('table', { name: 'Provider instances' }).getByRole('row').filter({ hasText: 'test' }).count(),
    ).toBeGreaterThan(0);
  });
});
