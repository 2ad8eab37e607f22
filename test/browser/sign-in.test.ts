import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { describeInBrowser, signIn } from './browser-harness.js';

describeInBrowser('dashboard: signing in', (harness) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('refuses a wrong key with the gateway message, then signs in, keeps the key in this tab only, and signs out', async () => {
    const { page } = harness;
    await page.goto(`${gateway.url}/`);
    await page.getByLabel('API key').fill('sk-ir-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Invalid API key');

    await signIn(page, gateway.url, gateway.key);
    expect(await page.evaluate("sessionStorage.getItem('imagerouter.key')")).toBe(gateway.key);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Playground');
    // Page functions run in the browser; as strings they need no DOM types in the Node test build.
    // A user key sees no admin page.
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.evaluate("sessionStorage.getItem('imagerouter.key')")).toBeNull();
  });

  it('shows the admin page link to an admin key, and works at 375 px', async () => {
    const { page } = harness;
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, gateway.url, await gateway.createKey({ admin: true, name: 'ops' }));
    await expect.poll(() => page.getByRole('link', { name: 'Admin' }).count()).toBe(1);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
