/** One multipart field as a request builder describes it: text, or a file (kept as bytes so tests can read it). */
export type MultipartField =
  { name: string; value: string } | { name: string; file: { bytes: Buffer; filename: string; contentType: string } };

/** The fields as a `FormData` for `upstreamFetch`, in order (repeated names such as `image[]` stay repeated). */
export function encodeMultipartForm(fields: ReadonlyArray<MultipartField>): FormData {
  const form = new FormData();
  for (const field of fields) {
    if ('file' in field) form.append(field.name, new Blob([field.file.bytes], { type: field.file.contentType }), field.file.filename);
    else form.append(field.name, field.value);
  }
  return form;
}
