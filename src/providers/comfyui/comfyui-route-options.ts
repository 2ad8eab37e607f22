import { z } from 'zod';
import type { ImageSize } from '../../domain/image-request.js';
import type { QualitySteps } from '../common/quality-steps.js';
import { gpuTimeSettingsShape } from '../common/gpu-time-settings.js';
import { routerSettingsSchema } from '../provider-definition.js';

/** One node of an API-format workflow ("Save (API)" export): links are `["<node id>", <output index>]`. */
export interface ComfyuiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: unknown;
}
export type ComfyuiGraph = Record<string, ComfyuiNode>;

/** Where a router parameter goes in the graph: a node id and one of its input names. */
export interface ComfyuiBinding {
  node: string;
  input: string;
}

/** The router parameters a workflow may bind; `prompt` is required, the rest optional. */
export const BINDABLE_INPUTS = [
  'prompt',
  'negative',
  'width',
  'height',
  'batch_size',
  'seed',
  'steps',
  'denoise',
  'image',
  'mask',
] as const;
export type ComfyuiInputName = (typeof BINDABLE_INPUTS)[number];

export interface ComfyuiWorkflow {
  graph: ComfyuiGraph;
  inputs: Partial<Record<ComfyuiInputName, ComfyuiBinding>> & { prompt: ComfyuiBinding };
  /** The `SaveImage` node whose files are the result. */
  outputNode: string;
}

/**
 * The workflows of one catalog model and how the router fills them in:
 *
 * ```yaml
 * options:
 *   text_to_image: { graph: {...API format...}, inputs: { prompt: { node: "6", input: text }, ... }, output_node: "9" }
 *   edit:    { ... }          # optional; must bind `image` (a LoadImage node)
 *   inpaint: { ... }          # optional; must bind `image`; `mask` bound or merged into the image's alpha
 *   default_size: { width: 1024, height: 1024 }
 *   size_multiple: 8
 *   quality_steps: { low: 15, medium: 25, high: 40 }
 *   max_images_per_call: 4    # batch_size cap; 1 when the workflow binds no batch_size
 *   denoise: 0.75             # edit default when `denoise` is bound; a request's `strength` wins
 *   poll_interval_ms: 500
 * ```
 */
export interface ComfyuiRouteOptions {
  textToImage: ComfyuiWorkflow;
  edit: ComfyuiWorkflow | undefined;
  inpaint: ComfyuiWorkflow | undefined;
  defaultSize: ImageSize;
  sizeMultiple: number;
  qualitySteps: QualitySteps | undefined;
  maxImagesPerCall: number;
  denoise: number;
  pollIntervalMs: number;
}

const nodeSchema = z.looseObject({ class_type: z.string().min(1), inputs: z.record(z.string(), z.unknown()) });

/** An API-format graph; a UI-format export (top-level `nodes`/`links` arrays) is refused with the fix in the message. */
const graphSchema = z
  .record(z.string(), z.unknown())
  .superRefine((graph, context) => {
    if (Array.isArray(graph['nodes']))
      return context.addIssue({ code: 'custom', message: 'this is a UI-format workflow (top-level "nodes"); export it with "Save (API)"' });
    for (const [id, node] of Object.entries(graph))
      if (!nodeSchema.safeParse(node).success)
        context.addIssue({ code: 'custom', path: [id], message: `node '${id}' needs a class_type and an inputs object` });
  })
  .transform((graph) => graph as ComfyuiGraph);

const bindingSchema = z.strictObject({ node: z.string().min(1), input: z.string().min(1) });

const workflowSchema = z
  .strictObject({
    graph: graphSchema,
    inputs: z.strictObject({
      prompt: bindingSchema,
      negative: bindingSchema.optional(),
      width: bindingSchema.optional(),
      height: bindingSchema.optional(),
      batch_size: bindingSchema.optional(),
      seed: bindingSchema.optional(),
      steps: bindingSchema.optional(),
      denoise: bindingSchema.optional(),
      image: bindingSchema.optional(),
      mask: bindingSchema.optional(),
    }),
    output_node: z.string().min(1),
  })
  .superRefine((workflow, context) => {
    // A binding to a node or input the graph lacks would only show up as a 400 at the first request.
    for (const [name, binding] of Object.entries(workflow.inputs)) {
      if (!binding) continue;
      const node = workflow.graph[binding.node];
      if (!node) context.addIssue({ code: 'custom', path: ['inputs', name], message: `node '${binding.node}' is not in the graph` });
      else if (!(binding.input in node.inputs))
        context.addIssue({ code: 'custom', path: ['inputs', name], message: `node '${binding.node}' has no input '${binding.input}'` });
    }
    if (!workflow.graph[workflow.output_node])
      context.addIssue({ code: 'custom', path: ['output_node'], message: `node '${workflow.output_node}' is not in the graph` });
  })
  .transform((workflow): ComfyuiWorkflow => ({
    graph: workflow.graph,
    inputs: Object.fromEntries(Object.entries(workflow.inputs).filter(([, binding]) => binding !== undefined)) as ComfyuiWorkflow['inputs'],
    outputNode: workflow.output_node,
  }));

const edge = z.number().int().min(16).max(16384);
const steps = z.number().int().min(1).max(10000);

/** Strict, so a misspelt option stops the boot instead of being ignored. */
export const comfyuiRouteOptionsSchema = z
  .strictObject({
    text_to_image: workflowSchema,
    edit: workflowSchema.optional(),
    inpaint: workflowSchema.optional(),
    default_size: z.strictObject({ width: edge, height: edge }).default({ width: 1024, height: 1024 }),
    size_multiple: z.number().int().min(8).max(256).default(8),
    quality_steps: z.strictObject({ low: steps, medium: steps, high: steps }).optional(),
    max_images_per_call: z.number().int().min(1).max(64).default(4),
    denoise: z.number().min(0).max(1).default(0.75),
    poll_interval_ms: z.number().int().min(50).max(60_000).default(500),
  })
  .superRefine((options, context) => {
    for (const kind of ['edit', 'inpaint'] as const)
      if (options[kind] && !options[kind].inputs.image)
        context.addIssue({
          code: 'custom',
          path: [kind, 'inputs', 'image'],
          message: `an ${kind} workflow must bind 'image' (a LoadImage node)`,
        });
  })
  .transform((options): ComfyuiRouteOptions => ({
    textToImage: options.text_to_image,
    edit: options.edit,
    inpaint: options.inpaint,
    defaultSize: options.default_size,
    sizeMultiple: options.size_multiple,
    qualitySteps: options.quality_steps,
    maxImagesPerCall: options.text_to_image.inputs.batch_size ? options.max_images_per_call : 1,
    denoise: options.denoise,
    pollIntervalMs: options.poll_interval_ms,
  }));

/**
 * Stock ComfyUI has no auth; a reverse proxy in front of it usually checks a bearer token or Basic
 * credentials. The instance key is sent in the scheme the operator names (`user:pass` for basic).
 */
export const comfyuiSettingsSchema = routerSettingsSchema.extend({
  auth_scheme: z.enum(['bearer', 'basic']).optional(),
  ...gpuTimeSettingsShape,
});
export type ComfyuiSettings = z.infer<typeof comfyuiSettingsSchema>;
