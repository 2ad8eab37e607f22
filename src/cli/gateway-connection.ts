import type { Command } from 'commander';
import { z } from 'zod';
import { usageError } from './cli-exit-error.js';

/** `serve`'s own default (PORT 3000), so a gateway started with no settings is found with none. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:3000';

export interface ConnectionOptions {
  url?: string;
  key?: string;
  timeout?: string;
}

/** Where a command sends its requests. */
export interface GatewayConnection {
  baseUrl: string;
  key: string | undefined;
  /** No client-side limit when undefined: the gateway's own request deadline applies. */
  timeoutMs: number | undefined;
}

const urlSchema = z
  .string()
  .trim()
  .refine((text) => URL.canParse(text) && ['http:', 'https:'].includes(new URL(text).protocol), {
    error: (issue) => `--url / IMAGEROUTER_URL must be an http(s) URL (got '${String(issue.input)}')`,
  })
  .transform((text) => text.replace(/\/+$/, ''));

const timeoutSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { error: (issue) => `--timeout must be a number of seconds (got '${String(issue.input)}')` })
  .transform((text) => Math.round(Number(text) * 1000))
  .refine((milliseconds) => milliseconds > 0, { error: '--timeout must be more than 0 seconds' });

export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', `the gateway (default: IMAGEROUTER_URL, else ${DEFAULT_GATEWAY_URL})`)
    .option('--key <key>', 'API key (default: IMAGEROUTER_API_KEY)')
    .option('--timeout <seconds>', 'give up waiting after this long (exit code 4); default: no limit');
}

/** Flags win over the environment; a missing key is a usage error only where the endpoint needs one. */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv, needsKey: boolean): GatewayConnection {
  const url = urlSchema.safeParse(options.url ?? (env['IMAGEROUTER_URL']?.trim() || DEFAULT_GATEWAY_URL));
  if (!url.success) throw usageError(url.error.issues[0]?.message ?? '--url is invalid');
  const key = options.key?.trim() || env['IMAGEROUTER_API_KEY']?.trim() || undefined;
  if (needsKey && key === undefined) throw usageError('no API key: pass --key or set IMAGEROUTER_API_KEY');
  let timeoutMs: number | undefined;
  if (options.timeout !== undefined) {
    const timeout = timeoutSchema.safeParse(options.timeout);
    if (!timeout.success) throw usageError(timeout.error.issues[0]?.message ?? '--timeout is invalid');
    timeoutMs = timeout.data;
  }
  return { baseUrl: url.data, key, timeoutMs };
}
