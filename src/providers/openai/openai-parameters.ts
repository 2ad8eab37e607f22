import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import type { ProviderCall } from '../provider.js';
import { MODERATIONS, type OpenAIModelProfile, type OpenAIRouteOptions, type OpenAISettings } from './openai-route-options.js';

export type OpenAICall = ProviderCall<OpenAIRouteOptions, OpenAISettings>;

export const OPENAI_PROVIDER_ID = 'openai';

/** The `extra` parameters OpenAI's image models know, as they go on the wire. */
export interface OpenAIExtraParameters {
  style?: string;
  background?: string;
  output_compression?: number;
  moderation?: string;
  input_fidelity?: string;
  complexity?: string;
  user?: string;
}

/**
 * Every OpenAI image parameter the gateway leaves in `request.extra`. Those a model can't take are
 * reported (`unsupported`) rather than dropped in silence; unknown names are not OpenAI's, and the
 * gateway has already reported them against the model's capabilities.
 */
const OPENAI_EXTRA_PARAMETERS = [
  'style',
  'background',
  'output_compression',
  'moderation',
  'input_fidelity',
  'complexity',
  'user',
  'partial_images',
] as const;
type ExtraName = (typeof OPENAI_EXTRA_PARAMETERS)[number];

const STYLES = ['vivid', 'natural'];
const BACKGROUNDS = ['transparent', 'opaque', 'auto'];
const INPUT_FIDELITIES = ['high', 'low'];
const COMPLEXITIES = ['low', 'medium', 'high'];
const MAX_OUTPUT_COMPRESSION = 100;
/** Output formats that carry the alpha channel a transparent background needs. */
const ALPHA_FORMATS = ['png', 'webp'];

/**
 * Reads, validates and filters the client's extra parameters for one model: values OpenAI would
 * refuse are a 400 here (naming the parameter), parameters the model doesn't take are warnings.
 * `moderation` falls back to the route or instance setting of the same name (ImageRouter's service
 * sends `low`).
 */
export function readExtraParameters(
  call: OpenAICall,
  profile: OpenAIModelProfile,
  isEdit: boolean,
  warnings: GenerationWarning[],
): OpenAIExtraParameters {
  const { extra, outputFormat } = call.request;
  const model = call.upstreamModel;
  const provider = call.endpoint.instance;
  const result: OpenAIExtraParameters = {};
  const unsupported = (setting: ExtraName, why = `is not supported by OpenAI's ${model}`) =>
    warnings.push({ type: 'unsupported', setting, provider, message: `'${setting}' ${why} and was not sent.` });

  for (const name of OPENAI_EXTRA_PARAMETERS) {
    const value = extra[name];
    if (value === undefined || value === null) continue;
    switch (name) {
      case 'user':
        result.user = stringParameter('user', value);
        break;
      case 'style':
        if (profile.style) result.style = oneOf('style', value, STYLES);
        else unsupported(name);
        break;
      case 'background': {
        if (!profile.gptImageParameters) {
          unsupported(name);
          break;
        }
        const background = oneOf('background', value, BACKGROUNDS);
        if (background === 'transparent' && !profile.transparentBackground) {
          throw invalidParam(
            'background',
            `OpenAI's ${model} can't render a transparent background; send 'opaque' or 'auto', or pick a model that can.`,
          );
        }
        if (background === 'transparent' && !ALPHA_FORMATS.includes(outputFormat)) {
          throw invalidParam(
            'background',
            `A transparent background needs output_format 'png' or 'webp' (${outputFormat} has no alpha channel).`,
          );
        }
        result.background = background;
        break;
      }
      case 'output_compression':
        if (profile.gptImageParameters) result.output_compression = compression(value);
        else unsupported(name);
        break;
      case 'moderation':
        if (profile.gptImageParameters) result.moderation = oneOf('moderation', value, MODERATIONS);
        else unsupported(name);
        break;
      case 'input_fidelity':
        if (!profile.inputFidelity) unsupported(name);
        else if (!isEdit) unsupported(name, 'applies to edits (input images) only');
        else result.input_fidelity = oneOf('input_fidelity', value, INPUT_FIDELITIES);
        break;
      case 'complexity':
        if (profile.complexity) result.complexity = oneOf('complexity', value, COMPLEXITIES);
        else unsupported(name);
        break;
      case 'partial_images':
        unsupported(name, 'needs streaming, which the gateway does not use with OpenAI,');
        break;
    }
  }
  if (result.moderation === undefined && profile.gptImageParameters) {
    const routeDefault = call.options.moderation ?? call.endpoint.settings.moderation;
    if (routeDefault !== undefined) result.moderation = routeDefault;
  }
  return result;
}

/**
 * The `extra` parameters the adapter sends to a model family, edits included: what a catalog
 * model's `capabilities.parameters` should list for a route to that family.
 */
export function sentParameters(profile: OpenAIModelProfile): string[] {
  return [
    ...(profile.style ? ['style'] : []),
    ...(profile.gptImageParameters ? ['background', 'output_compression', 'moderation'] : []),
    ...(profile.inputFidelity ? ['input_fidelity'] : []),
    ...(profile.complexity ? ['complexity'] : []),
    'user',
  ];
}

function stringParameter(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidParam(name, `'${name}' must be a string.`);
  return value;
}

function oneOf(name: string, value: unknown, allowed: ReadonlyArray<string>): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidParam(
      name,
      `'${name}' must be one of ${allowed.map((option) => `'${option}'`).join(', ')}; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** 0-100; multipart sends it as text. */
function compression(value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > MAX_OUTPUT_COMPRESSION) {
    throw invalidParam(
      'output_compression',
      `'output_compression' must be an integer from 0 to ${MAX_OUTPUT_COMPRESSION}; got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}
