import { invalidParam } from '../errors/api-error.js';
import type { Capabilities } from '../catalog/model-schema.js';
import type { GenerationWarning, ImageSize, Quality } from '../domain/image-request.js';
import type { OutputFormat } from '../domain/image-format.js';

export interface CapabilityCheckInput {
  modelId: string;
  size: ImageSize | 'auto';
  quality: Quality;
  n: number;
  imageCount: number;
  hasMask: boolean;
  /** `undefined` when the client sent none (the model's default format is used). */
  outputFormat: OutputFormat | undefined;
  /** Extra OpenAI parameters the client sent (`style`, `user`, ...). */
  extraParameters: string[];
}

const formatSize = (size: ImageSize) => `${size.width}x${size.height}`;

/** The format of a request that named none: WebP where the model has it, else its first format. */
export function defaultOutputFormat(capabilities: Capabilities): OutputFormat {
  return capabilities.output_formats.includes('webp') ? 'webp' : (capabilities.output_formats[0] ?? 'webp');
}

/**
 * Checks a request against what the model can do, before any image is decoded or any credit
 * reserved. Unsupported values get a 400 that names the allowed ones: never silent coercion.
 */
export function checkCapabilities(capabilities: Capabilities, input: CapabilityCheckInput): GenerationWarning[] {
  const { modelId } = input;
  if (input.imageCount > 0 && !capabilities.edit) {
    throw invalidParam(
      'image[]',
      `The model '${modelId}' does not accept input images. Send a prompt only, or pick a model with edit support (GET /v1/models).`,
    );
  }
  if (input.imageCount > capabilities.max_input_images) {
    throw invalidParam(
      'image[]',
      `The model '${modelId}' accepts at most ${capabilities.max_input_images} input image(s); ${input.imageCount} were sent.`,
    );
  }
  if (input.hasMask && !capabilities.mask) {
    throw invalidParam('mask', `The model '${modelId}' does not support masks (inpainting).`);
  }
  if (input.hasMask && input.imageCount === 0) {
    throw invalidParam('mask', "A mask needs an input image to apply to: send it in 'image[]'.");
  }
  if (input.outputFormat !== undefined && !capabilities.output_formats.includes(input.outputFormat)) {
    const allowed = capabilities.output_formats.map((value) => `'${value}'`).join(', ');
    const why =
      input.outputFormat === 'svg'
        ? 'it draws raster images, and the gateway does not trace them into vectors'
        : 'it draws SVG, which the gateway never rasterises';
    throw invalidParam('output_format', `The model '${modelId}' cannot answer '${input.outputFormat}': ${why}. Allowed: ${allowed}.`);
  }
  if (input.n > capabilities.max_n) {
    throw invalidParam('n', `The model '${modelId}' returns at most ${capabilities.max_n} image(s) per request; 'n' was ${input.n}.`);
  }
  if (input.quality !== 'auto' && !capabilities.qualities.includes(input.quality)) {
    const allowed = ['auto', ...capabilities.qualities.filter((quality) => quality !== 'auto')];
    throw invalidParam(
      'quality',
      `The model '${modelId}' does not support quality '${input.quality}'. Allowed: ${allowed.map((value) => `'${value}'`).join(', ')}.`,
    );
  }
  if (input.size !== 'auto') {
    const size = input.size;
    if (capabilities.sizes) {
      const text = formatSize(size);
      if (!capabilities.sizes.includes(text)) {
        throw invalidParam(
          'size',
          `The model '${modelId}' does not support size '${text}'. Allowed: ${capabilities.sizes.map((value) => `'${value}'`).join(', ')}.`,
        );
      }
    } else {
      const { min, max } = capabilities.size_range;
      if (size.width < min || size.height < min || size.width > max || size.height > max) {
        throw invalidParam('size', `The model '${modelId}' supports sizes from ${min}x${min} to ${max}x${max}; got '${formatSize(size)}'.`);
      }
    }
  }
  return input.extraParameters
    .filter((parameter) => !capabilities.parameters.includes(parameter))
    .map((parameter) => ({
      type: 'unsupported' as const,
      setting: parameter,
      message: `'${parameter}' is not supported by '${modelId}' and was ignored.`,
    }));
}
