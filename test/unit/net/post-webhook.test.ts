import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../../src/net/address-policy.js';
import { postWebhook } from '../../../src/net/post-webhook.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

describe('postWebhook', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.close());

  const allowLoopback = { policy: createAddressPolicy(['127.0.0.1']), timeoutMs: 2_000 };
  const body = Buffer.from('{"id":"g1"}');

  it('POSTs the bytes and headers as given and reports the status', async () => {
    const result = await postWebhook(`${receiver.url}/ok`, body, { 'content-type': 'application/json', 'x-test': '1' }, allowLoopback);
    expect(result).toEqual({ status: 200, error: null });
    const [hook] = receiver.received('/ok');
    expect(hook!.rawBody.equals(body)).toBe(true);
    expect(hook!.headers).toMatchObject({ 'content-type': 'application/json', 'x-test': '1' });
  });

  it('never follows a redirect: a 3xx is the attempt’s status', async () => {
    receiver.answer('/moved', [307]);
    expect(await postWebhook(`${receiver.url}/moved`, body, {}, allowLoopback)).toEqual({ status: 307, error: null });
    expect(receiver.received('/moved')).toHaveLength(1);
  });

  it('refuses a loopback receiver unless the operator allowed it, without connecting', async () => {
    const result = await postWebhook(`${receiver.url}/blocked`, body, {}, { policy: createAddressPolicy([]), timeoutMs: 2_000 });
    expect(result.status).toBeNull();
    expect(result.error).toContain('private, loopback or link-local');
    expect(receiver.received('/blocked')).toHaveLength(0);
  });
});
