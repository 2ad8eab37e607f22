import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, type TestContext } from 'vitest';
import { defaultDashboardDir } from '../../src/http/dashboard-assets.js';

/*
 * Browser tests drive Debian's chromium (`apt-get install chromium`; `.ci/run` installs it) through
 * playwright-core; no browser is ever downloaded. Without chromium they are skipped with a printed
 * reason, except under CI=true, where its absence fails the run.
 */

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
const SCREENSHOT_DIR = path.resolve('test-results', 'browser');

if (!chromiumAvailable) {
  const message = `Chromium is not installed at ${CHROMIUM_PATH}`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI requires it (apt-get install chromium).`);
  console.warn(`${message}: skipping the browser tests. Install it with \`apt-get install chromium\`.`);
}

/** Builds web/dist when a checkout has not (npm ci does, as `prepare`). */
export function ensureDashboardBuilt(): void {
  if (existsSync(path.join(defaultDashboardDir(), 'index.html'))) return;
  execFileSync(
    process.execPath,
    [path.resolve('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      stdio: 'inherit',
    },
  );
}

export interface BrowserHarness {
  readonly browser: Browser;
  /** A fresh context (own session storage) and page per test, 1280×800 unless a test sets otherwise. */
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * A describe block whose tests each get a fresh page; every test ends with a screenshot in
 * test-results/browser/<name>.png (kept, so a failing one shows the developer what the browser saw).
 */
export function describeInBrowser(name: string, define: (harness: BrowserHarness) => void): void {
  // A browser test takes several page loads and generations: on a loaded CI machine, more than 30 s.
  describe.skipIf(!chromiumAvailable)(name, { timeout: 90_000 }, () => {
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    const harness: BrowserHarness = {
      get browser() {
        if (!browser) throw new Error('The browser is opened in beforeAll');
        return browser;
      },
      get context() {
        if (!context) throw new Error('The context is opened in beforeEach');
        return context;
      },
      get page() {
        if (!page) throw new Error('The page is opened in beforeEach');
        return page;
      },
    };
    beforeAll(async () => {
      ensureDashboardBuilt();
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    beforeEach(async () => {
      context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
      page = await context.newPage();
    });
    afterEach(async (test: TestContext) => {
      const file = `${test.task.name
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase()}.png`;
      await page?.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true }).catch(() => undefined);
      await context?.close();
    });
    define(harness);
  });
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible(), { timeout: 15_000 }).toBe(true);
}
