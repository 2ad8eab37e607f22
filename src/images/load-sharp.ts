import type SharpModule from 'sharp';

let loading: Promise<typeof SharpModule> | undefined;

/**
 * sharp (and libvips under it) on first use. Loading it is the largest single cost of starting
 * the gateway, and a gateway that only passes images through in their format never needs it.
 */
export function loadSharp(): Promise<typeof SharpModule> {
  return (loading ??= import('sharp').then((module) => module.default));
}
