import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXTENSION_BY_FORMAT, formatForExtension, type ImageFormat } from '../domain/image-format.js';

export interface ImageToWrite {
  bytes: Buffer;
  format: ImageFormat;
}

/** Where `-o` points: one file name (numbered when there are several images), or a directory. */
export type OutputTarget = { kind: 'file'; path: string } | { kind: 'directory'; path: string };

/**
 * `-o` as a person means it: nothing → the working directory; an existing directory, a path
 * ending in `/`, or a name without an extension → a directory (created if missing); anything
 * else → a file name.
 */
export async function resolveOutputTarget(output: string | undefined, cwd: string): Promise<OutputTarget> {
  if (output === undefined) return { kind: 'directory', path: cwd };
  const resolved = path.resolve(cwd, output);
  const existing = await stat(resolved).catch(() => undefined);
  if (existing?.isDirectory() || /[\\/]$/.test(output) || path.extname(resolved) === '') return { kind: 'directory', path: resolved };
  return { kind: 'file', path: resolved };
}

/** The image format a file name asks for (`cat.png` → png), so `-o cat.png` needs no `-f png`. */
export function formatOfFileName(target: OutputTarget): ImageFormat | undefined {
  return target.kind === 'file' ? formatForExtension(path.extname(target.path).slice(1)) : undefined;
}

/**
 * Writes the images and returns their absolute paths, in order. In a directory they are named
 * `<generation-id>-<index>.<ext>` (index from 1), so runs never overwrite each other; a file name
 * gets `-1`, `-2`, ... before its extension when there is more than one image.
 */
export async function writeImages(images: readonly ImageToWrite[], target: OutputTarget, generationId: string): Promise<string[]> {
  const paths = images.map((image, index) => {
    if (target.kind === 'directory') return path.join(target.path, `${generationId}-${index + 1}.${EXTENSION_BY_FORMAT[image.format]}`);
    if (images.length === 1) return target.path;
    const extension = path.extname(target.path);
    return `${target.path.slice(0, target.path.length - extension.length)}-${index + 1}${extension}`;
  });
  await mkdir(target.kind === 'directory' ? target.path : path.dirname(target.path), { recursive: true });
  await Promise.all(images.map((image, index) => writeFile(paths[index]!, image.bytes)));
  return paths;
}
