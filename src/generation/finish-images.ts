import { UpstreamError } from '../errors/upstream-error.js';
import { convertImage, imageSize } from '../images/convert-image.js';
import type { ImageFormat, OutputFormat } from '../images/image-format.js';
import { sniffImageFormat } from '../images/sniff-image-format.js';
import type { ProviderImage } from '../providers/provider.js';
import type { FinishedImage, GenerationPorts } from './generation-ports.js';

export type { FinishedImage } from './generation-ports.js';

export interface FinishImagesInput {
  images: ProviderImage[];
  outputFormat: OutputFormat;
  provider: string;
  signal: AbortSignal;
}

/** Downloads, verifies and converts provider images; bytes already in the right format are kept as they are. */
export async function finishImages(ports: Pick<GenerationPorts, 'downloadResult'>, input: FinishImagesInput): Promise<FinishedImage[]> {
  return Promise.all(
    input.images.map(async (image) => {
      const bytes =
        'url' in image ? await ports.downloadResult(image.url, input.provider, input.signal) : 'base64' in image ? Buffer.from(image.base64.toString('latin1'), 'base64') : image.bytes;
      const format = sniffImageFormat(bytes);
      if (!format) {
        throw new UpstreamError({ provider: input.provider, kind: 'upstream_error', message: `The provider '${input.provider}' returned data that is not an image.` });
      }
      const converted = await convertOrBlame(bytes, format, input.outputFormat, input.provider);
      const size = await imageSize(converted).catch((error: unknown) => {
        throw corruptImage(input.provider, error);
      });
      return { bytes: converted, format: input.outputFormat, width: size.width, height: size.height };
    }),
  );
}

async function convertOrBlame(bytes: Buffer, from: ImageFormat, to: OutputFormat, provider: string): Promise<Buffer> {
  try {
    return await convertImage(bytes, from, to);
  } catch (error) {
    throw corruptImage(provider, error);
  }
}

/** An image sharp can't read came from upstream: the provider's fault, not ours (502, retryable elsewhere). */
function corruptImage(provider: string, cause: unknown): UpstreamError {
  return new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' returned a corrupt image.`, cause });
}
