import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../src/providers/openai/openai-adapter.js';
import { inputImageTokens } from '../../src/generation/input-image-reserve.js';
import { fakeImage } from '../fakes/fake-upstream.js';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { getJson, postForm, postJson, writeOperatorConfig, type FormFields } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** gpt-image-1.5's catalog price: $8 per million input image tokens, $0.25 reserved per image. */
const INPUT_IMAGE_PER_MILLION_MICROS = 8_000_000;
const ESTIMATE_MICROS = 250_000;

/** The hold covers what a token-priced edit can cost; a cost above the hold is reported, not absorbed. */
forEachDatabase((harness) => {
  describe('holds and the worst case', () => {
    let fake: OpenAIFake;
    let gateway: TestGateway;
    let configDir: string;

    beforeAll(async () => {
      fake = await startOpenAIFake();
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-hold-'));
      // A second name for gpt-image-1.5 whose estimate is far below what OpenAI bills: the settle lands above the hold.
      const underpriced = `
models:
  # Retired by OpenAI on 2026-12-01; the fake still serves it, so the operator moves the date.
  "openai/gpt-image-1.5":
    retires_on: "2099-01-01"
  "openai/gpt-image-1.5-underpriced":
    release_date: "2026-01-01"
    capabilities: { edit: true, max_input_images: 16, sizes: [1024x1024, 1536x1024, 1024x1536], qualities: [auto, low, medium, high], max_n: 10, parameters: [] }
    pricing: { type: tokens, input_text_per_million: 5.00, input_image_per_million: 8.00, output_image_per_million: 32.00, estimate: 0.001 }
    routes: [{ provider: openai, model: gpt-image-1.5 }]
`;
      gateway = await startTestGateway(
        {
          DATABASE_URL: await harness.createEmptyDatabase(),
          IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1',
          IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, underpriced),
        },
        { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: OPENAI_FAKE_API_KEY, OPENAI_BASE_URL: fake.baseUrl } },
      );
    });
    afterAll(async () => {
      await gateway?.close();
      await fake?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const recordOf = (id: string) =>
      gateway.context.database.db
        .selectFrom('generations')
        .select(['reserved_micros', 'cost_micros', 'warnings', 'status'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const settleNotes = (id: string) =>
      gateway.context.database.db
        .selectFrom('ledger_entries')
        .select('note')
        .where('generation_id', '=', id)
        .where('kind', '=', 'settle')
        .execute();
    const metricLines = async (name: string) =>
      (await getJson(gateway.url, '/metrics')).text.split('\n').filter((line) => line.startsWith(`${name}{`));

    it('reserves the input image tokens of a 4-image edit, and the settle stays within the hold', async () => {
      const key = await gateway.createKey({ creditsMicros: 10_000_000 });
      const image = await fakeImage(1024, 1024, 'png', 1);
      const fields: FormFields = [
        ['model', 'openai/gpt-image-1.5'],
        ['prompt', 'merge these four into one poster'],
        ['size', '1024x1536'],
        ['quality', 'high'],
        ['n', '2'],
        ['response_format', 'b64_json'],
        ...[0, 1, 2, 3].map((index): [string, { bytes: Buffer; filename: string; type: string }] => [
          'image[]',
          { bytes: image, filename: `part-${index}.png`, type: 'image/png' },
        ]),
      ];
      const result = await postForm(gateway.url, '/v1/openai/images/edits', fields, { key });
      expect(result.status, result.text).toBe(200);
      expect(fake.calls.at(-1)?.path).toBe('/v1/images/edits');

      const record = await recordOf(result.headers.get('x-generation-id')!);
      // Per output image: the estimate + four 1024x1024 inputs (768x768 after scaling: 4 tiles each).
      expect(inputImageTokens({ width: 1024, height: 1024 })).toBe(85 + 4 * 170 + 6_144);
      const inputMicros = Math.ceil((4 * inputImageTokens({ width: 1024, height: 1024 }) * INPUT_IMAGE_PER_MILLION_MICROS) / 1_000_000);
      expect(record.reserved_micros).toBe(2 * (ESTIMATE_MICROS + inputMicros));
      expect(record.status).toBe('success');
      expect(record.cost_micros).toBeGreaterThan(0);
      expect(record.cost_micros).toBeLessThanOrEqual(record.reserved_micros);
      expect(Math.round(result.body.cost * 1e6)).toBe(record.cost_micros);
      expect(await settleNotes(result.headers.get('x-generation-id')!)).toEqual([{ note: null }]);
      expect(await metricLines('imagerouter_settle_above_hold_total')).toEqual([]);
    });

    it('charges only the hold when the upstream bills more, and says so in the record, the ledger and the metrics', async () => {
      const key = await gateway.createKey({ creditsMicros: 10_000_000 });
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'openai/gpt-image-1.5-underpriced',
          prompt: 'a lighthouse',
          size: '1024x1024',
          quality: 'high',
          response_format: 'b64_json',
        },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      const id = result.headers.get('x-generation-id')!;
      const record = await recordOf(id);
      expect(record).toMatchObject({ status: 'success', reserved_micros: 1_000, cost_micros: 1_000 });
      expect(result.body.cost).toBe(0.001);
      const warning = {
        type: 'other',
        message: expect.stringMatching(
          /^The upstream cost \$0\.\d{6}, more than the \$0\.001000 held for this request; only the amount held was charged\.$/,
        ),
      };
      expect(result.body.warnings).toEqual([warning]);
      expect(JSON.parse(record.warnings)).toEqual([warning]);
      const fullCostMicros = Math.round(Number(/\$(\d+\.\d+)/.exec(result.body.warnings[0].message)![1]) * 1e6);
      expect(fullCostMicros).toBeGreaterThan(1_000);

      const [note] = await settleNotes(id);
      expect(note?.note).toBe(
        `cost ${fullCostMicros} micro-USD exceeded the reserve 1000 by ${fullCostMicros - 1_000}; charged the reserve only`,
      );
      const labels = '{model="openai/gpt-image-1.5-underpriced",provider="openai"}';
      expect(await metricLines('imagerouter_settle_above_hold_total')).toEqual([`imagerouter_settle_above_hold_total${labels} 1`]);
      expect(await metricLines('imagerouter_settle_above_hold_micros_total')).toEqual([
        `imagerouter_settle_above_hold_micros_total${labels} ${fullCostMicros - 1_000}`,
      ]);
      expect((await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits).toBe('9.9990');
    });
  });
});
