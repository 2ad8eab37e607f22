import { z } from 'zod';

/** A price per second of GPU time that an instance's config sets for every route it serves. */
export interface GpuTimePricing {
  type: 'gpu_seconds';
  usd_per_second: number;
  max_seconds: number;
}

/** Without `max_gpu_seconds`: the hold covers five minutes of GPU time per image. */
export const DEFAULT_MAX_GPU_SECONDS = 300;

/**
 * Instance settings of self-hosted engines (AUTOMATIC1111, ComfyUI): `gpu_second_usd` bills each
 * job's GPU time at that rate instead of the catalog's free default, holding `max_gpu_seconds` per
 * image before the call.
 */
export const gpuTimeSettingsShape = {
  gpu_second_usd: z.number().nonnegative().optional(),
  max_gpu_seconds: z.number().positive().max(86_400).optional(),
};

/** The instance's GPU-time price, or `undefined` when its config sets no rate (the catalog's price stands). */
export function gpuTimePricing(settings: {
  gpu_second_usd?: number | undefined;
  max_gpu_seconds?: number | undefined;
}): GpuTimePricing | undefined {
  if (settings.gpu_second_usd === undefined) return undefined;
  return { type: 'gpu_seconds', usd_per_second: settings.gpu_second_usd, max_seconds: settings.max_gpu_seconds ?? DEFAULT_MAX_GPU_SECONDS };
}
