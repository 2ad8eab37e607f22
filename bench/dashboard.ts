import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startGatewayProcess } from './gateway-process.js';
import type { Scenario } from './scenario.js';
import { formatInteger, formatMs, markdownTable, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'web', 'dist');
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ROUNDS = 10;

/**
 * The web dashboard: what the first page costs to download (gzipped, as the gateway serves it) and
 * how long headless Chromium takes from navigation to the first render of the app (the sign-in
 * form) and, signed in, to the models list, against a local gateway process.
 */
export const dashboardScenario: Scenario = {
  name: 'dashboard',
  title: 'Web dashboard: size and first render',
  async run(_settings, progress) {
    if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
    const sizes = assetSizes();
    if (!existsSync(CHROMIUM_PATH)) return `${sizes}\n\nChromium not found at ${CHROMIUM_PATH}: render times not measured.`;
    const gateway = await startGatewayProcess();
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const key = await gateway.createKey('bench-dashboard');
      const firstRender: number[] = [];
      const signedIn: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        progress(`dashboard round ${round + 1}/${ROUNDS} …`);
        // A new context each round: cold cache, no session, as a first visit.
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${gateway.url}/`, { waitUntil: 'commit' });
        await page.getByLabel('API key').waitFor();
        firstRender.push(await page.evaluate(() => performance.now()));
        await page.getByLabel('API key').fill(key);
        const before = await page.evaluate(() => performance.now());
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Models' }).waitFor();
        signedIn.push((await page.evaluate(() => performance.now())) - before);
        await context.close();
      }
      const render = summarize(firstRender);
      const models = summarize(signedIn);
      const table = markdownTable(
        [
          { title: 'measure' },
          { title: 'mean ms', align: 'right' },
          { title: 'p50 ms', align: 'right' },
          { title: 'max ms', align: 'right' },
        ],
        [
          ['navigation → sign-in form rendered (cold cache)', formatMs(render.mean), formatMs(render.p50), formatMs(render.max)],
          ['sign in → models page rendered', formatMs(models.mean), formatMs(models.p50), formatMs(models.max)],
        ],
      );
      return [sizes, '', `Headless Chromium (${CHROMIUM_PATH}), ${ROUNDS} rounds, gateway on 127.0.0.1:`, '', table].join('\n');
    } finally {
      await browser.close();
      await gateway.stop();
    }
  },
};

function assetSizes(): string {
  const index = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  // The first page loads what index.html references; everything else is fetched on use.
  const referenced = new Set([...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]!));
  const rows = readdirSync(path.join(DIST, 'assets'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(path.join(DIST, 'assets', file));
      return [
        file,
        referenced.has(`assets/${file}`) ? 'yes' : 'no',
        formatInteger(bytes.length),
        formatInteger(gzipSync(bytes, { level: 9 }).length),
      ];
    });
  const firstPageJs = rows
    .filter((row) => row[0]!.endsWith('.js') && row[1] === 'yes')
    .reduce((sum, row) => sum + Number(row[3]!.replace(/\D/g, '')), 0);
  return [
    markdownTable(
      [{ title: 'asset' }, { title: 'first page' }, { title: 'bytes', align: 'right' }, { title: 'gzipped bytes', align: 'right' }],
      rows,
    ),
    '',
    `First page JavaScript, gzipped: ${formatInteger(firstPageJs)} bytes (goal: under 150 KB).`,
  ].join('\n');
}
