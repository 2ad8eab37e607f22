import type { LookupAddress } from 'node:dns';
import { invalidParam } from '../errors/api-error.js';
import type { AddressPolicy } from '../net/address-policy.js';
import { checkUrlHost } from '../net/check-url-host.js';
import { DownloadError } from '../net/download-error.js';

/** Whether a request's `webhook_url` can be accepted, checked before any work or charge. */
export interface WebhookTargets {
  /** Throws a 400 on `webhook_url` when the account has no secret or the host is not allowed. */
  check(accountId: string, url: string, signal: AbortSignal): Promise<void>;
}

export interface WebhookTargetsOptions {
  policy: AddressPolicy;
  hasSecret(accountId: string): Promise<boolean>;
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
}

export function createWebhookTargets(options: WebhookTargetsOptions): WebhookTargets {
  return {
    async check(accountId, url, signal) {
      if (!(await options.hasSecret(accountId))) {
        throw invalidParam(
          'webhook_url',
          "'webhook_url' needs the account's webhook signing secret, and it has none yet: call POST /v1/webhooks/secret first (it shows the secret once).",
        );
      }
      try {
        await checkUrlHost(url, { policy: options.policy, signal, ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}) });
      } catch (error) {
        if (error instanceof DownloadError) throw invalidParam('webhook_url', `'webhook_url' ${error.message}`);
        throw error;
      }
    },
  };
}
