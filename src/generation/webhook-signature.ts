import { createHmac } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'X-ImageRouter-Signature';
export const WEBHOOK_DELIVERY_HEADER = 'X-ImageRouter-Delivery';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the account's secret as
 * UTF-8 text. The timestamp is inside the signed bytes, so a receiver that bounds its age refuses
 * replays of an old delivery.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}
