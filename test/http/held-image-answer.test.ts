import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { expectApiError, getJson, postJson, PRICED_TEST_MODEL_YAML, writeOperatorConfig } from '../helpers/gateway-client.js';
import { addSuccessRecordTrigger } from '../helpers/success-record-trigger.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * An inline answer goes out while its charge commits, and only its last bytes wait for the
 * commit (http/hold-image-response.ts): a client that has the whole answer has been charged, and
 * one whose charge failed gets a cut connection, never a success.
 */

const GENERATIONS = '/v1/openai/images/generations';
const BODY = { model: 'test/test', prompt: 'a lighthouse', size: '64x64', output_format: 'png', response_format: 'b64_ephemeral' };

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Every byte of `content-length` arrived and the response ended normally. */
  complete: boolean;
  /** The generation record as read the moment the head arrived. */
  recordAtHead: Awaited<ReturnType<typeof getGeneration>>;
  /** The generation record as read the moment the last byte arrived (or the connection was cut). */
  recordAtEnd: Awaited<ReturnType<typeof getGeneration>>;
}

/** One POST over plain node:http, reading the record back when the head arrives and the moment the response ends or breaks. */
function postReadingRecord(gateway: TestGateway, key: string, body: Record<string, unknown>): Promise<RawAnswer> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(`${gateway.url}${GENERATIONS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': payload.length },
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const id = String(response.headers['x-generation-id'] ?? '');
      const atHead = getGeneration(gateway.context.database.db, id);
      const chunks: Buffer[] = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        Promise.all([atHead, getGeneration(gateway.context.database.db, id)]).then(
          ([recordAtHead, recordAtEnd]) =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
              complete: response.complete,
              recordAtHead,
              recordAtEnd,
            }),
          reject,
        );
      };
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', finish);
      response.on('error', finish);
      response.on('close', finish);
    });
    request.end(payload);
  });
}

async function remainingCredits(gateway: TestGateway, key: string): Promise<string> {
  return (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;
}

forEachDatabase((harness) => {
  describe('an inline answer sent while its charge commits', () => {
    let configDir: string;
    let configFile: string;
    let gateway: TestGateway;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-held-answer-'));
      configFile = await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML);
      gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_CONFIG: configFile });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    it('has been charged by the time its last byte arrives, every time', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      for (let round = 0; round < 12; round++) {
        const answer = await postReadingRecord(gateway, key, { ...BODY, prompt: `round ${round}` });
        expect(answer.status).toBe(200);
        expect(answer.complete).toBe(true);
        expect(answer.body.length).toBe(Number(answer.headers['content-length']));
        const parsed = JSON.parse(answer.body.toString('utf8')) as { data: Array<{ b64_json: string }>; cost: number };
        const image = await sharp(Buffer.from(parsed.data[0]!.b64_json, 'base64')).metadata();
        expect([image.format, image.width, image.height]).toEqual(['png', 64, 64]);
        expect(parsed.cost).toBe(0.01);
        expect(answer.recordAtEnd).toMatchObject({ status: 'success', costMicros: 10_000 });
      }
      expect(await remainingCredits(gateway, key)).toBe('0.8800');
    });

    it('is read whole by the openai SDK', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
      const result = await client.images.generate({
        model: 'test/test',
        prompt: 'a lighthouse',
        size: '64x64' as OpenAI.ImageGenerateParams['size'],
        output_format: 'png',
        response_format: 'b64_json',
      });
      const image = await sharp(Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64')).metadata();
      expect([image.format, image.width, image.height]).toEqual(['png', 64, 64]);
      expect(await remainingCredits(gateway, key)).toBe('0.9900');
    });

    it('is cut off when its charge cannot be committed: no success, the record says error, the hold is released', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const drop = await addSuccessRecordTrigger(gateway.context.database.db, harness.dialect, 'refuse');
      try {
        const answer = await postReadingRecord(gateway, key, BODY);
        // The head and most of the body had gone out; the closing fields never came.
        expect(answer.status).toBe(200);
        expect(answer.complete).toBe(false);
        expect(answer.body.length).toBeGreaterThan(1000);
        expect(answer.body.length).toBeLessThan(Number(answer.headers['content-length']));
        expect(() => JSON.parse(answer.body.toString('utf8'))).toThrow();
        const record = await getGeneration(gateway.context.database.db, String(answer.headers['x-generation-id']));
        expect(record).toMatchObject({ status: 'error', costMicros: 0, httpStatus: 500 });

        // What the client people use sees: an error, not an image (no retries, or each would be cut too).
        const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
        const sdkError = await client.images
          .generate({ model: 'test/test', prompt: 'a lighthouse', output_format: 'png', response_format: 'b64_json' })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        // The body broke off mid-read: the SDK's fetch rejects reading it (undici's "terminated").
        expect(sdkError).toBeInstanceOf(TypeError);
        expect((sdkError as TypeError).message).toBe('terminated');

        // A `url` answer is one small part: it never starts early, so the failure keeps its status.
        const url = await postJson(gateway.url, GENERATIONS, { ...BODY, response_format: 'url' }, { key });
        expectApiError(url, { status: 500 });
        expect(await getGeneration(gateway.context.database.db, url.headers.get('x-generation-id')!)).toMatchObject({
          status: 'error',
          costMicros: 0,
        });
      } finally {
        await drop();
      }
      expect(await remainingCredits(gateway, key)).toBe('1.0000');
      // The gateway goes on answering.
      expect((await postReadingRecord(gateway, key, BODY)).recordAtEnd).toMatchObject({ status: 'success' });
    });

    // Only PostgreSQL can make a settle slow from outside (pg_sleep in a trigger); SQLite's is synchronous.
    if (harness.dialect !== 'postgres') return;
    describe('with a settle that takes 400 ms', () => {
      let heartbeatGateway: TestGateway;
      beforeAll(async () => {
        heartbeatGateway = await startTestGateway({
          DATABASE_URL: await harness.createEmptyDatabase(),
          IMAGEROUTER_CONFIG: configFile,
          IMAGEROUTER_HEARTBEAT_DELAY_MS: '100',
        });
      });
      afterAll(async () => heartbeatGateway?.close());

      it('sends the head and the image first, then the end once the charge is committed, with no heartbeat in between', async () => {
        const key = await heartbeatGateway.createKey({ creditsMicros: 1_000_000 });
        // Warm: the measured request's render must come in well under the 100 ms heartbeat delay.
        expect((await postReadingRecord(heartbeatGateway, key, BODY)).status).toBe(200);
        const drop = await addSuccessRecordTrigger(heartbeatGateway.context.database.db, harness.dialect, 'slow');
        try {
          const answer = await postReadingRecord(heartbeatGateway, key, BODY);
          expect(answer.status).toBe(200);
          expect(answer.complete).toBe(true);
          expect(answer.headers['x-imagerouter-heartbeat']).toBeUndefined();
          expect(answer.body[0]).toBe('{'.charCodeAt(0));
          expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ cost: 0.01 });
          // The head came while the charge was still being committed; the end only after.
          expect(answer.recordAtHead).toMatchObject({ status: 'processing' });
          expect(answer.recordAtEnd).toMatchObject({ status: 'success', costMicros: 10_000 });
        } finally {
          await drop();
        }
        expect(await remainingCredits(heartbeatGateway, key)).toBe('0.9800');
      });
    });
  });
});
