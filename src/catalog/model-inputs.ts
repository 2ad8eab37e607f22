import type { ResolvedModel } from './resolved-model.js';

/** The request inputs a client can vary, as the public service's `inputs` object reports them. */
export interface ModelInputs {
  /** Accepts input images. */
  image: boolean;
  mask: boolean;
  /** Offers a choice of quality beyond `auto`. */
  quality: boolean;
  /** The allowed sizes, or `["custom"]` for any size within the size range. */
  size: string[];
}

export const INPUT_TYPES = ['image', 'mask', 'quality', 'size'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export function modelInputs(model: ResolvedModel): ModelInputs {
  const { capabilities } = model;
  return {
    image: capabilities.edit,
    mask: capabilities.mask,
    quality: capabilities.qualities.some((quality) => quality !== 'auto'),
    size: capabilities.sizes === undefined ? ['custom'] : [...capabilities.sizes],
  };
}

/** Whether a client can choose this input: for `size`, more than `auto`. */
export function acceptsInput(model: ResolvedModel, input: InputType): boolean {
  const inputs = modelInputs(model);
  if (input === 'size') return inputs.size.some((size) => size !== 'auto');
  return inputs[input];
}
