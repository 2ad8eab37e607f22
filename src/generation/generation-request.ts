/**
 * An input image as an entry point received it, before it is fetched and decoded: uploaded bytes,
 * or a reference (data URI, base64 text, URL) from a text field. `param` names it in errors.
 */
export type ImageReference = { kind: 'bytes'; bytes: Buffer; param: string } | { kind: 'reference'; value: string; param: string };

/**
 * What every entry point (HTTP JSON or multipart, MCP, CLI, jobs) hands to the use case: the
 * request's fields as sent, and its images and mask unread. The use case validates all of it, so
 * each entry point gets the same checks and the same errors.
 */
export interface GenerationRequest {
  /** Text fields (multipart) or the JSON object, minus image and mask fields. */
  fields: Record<string, unknown>;
  images: ImageReference[];
  masks: ImageReference[];
}
