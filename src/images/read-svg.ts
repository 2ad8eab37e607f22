import type { ImageSize } from '../domain/image-request.js';

/**
 * How far into the bytes the `<svg` root may start. Real prologs (BOM, XML declaration, a DOCTYPE,
 * an editor's comment) fit easily; a bound keeps a hostile body from making the scan expensive.
 */
const MAX_PROLOG_BYTES = 4096;
/** The root's start tag is read to here at most: attributes past this are not looked at. */
const MAX_ROOT_TAG_BYTES = 4096;

const UTF8_BOM = '\ufeff';

/**
 * Whether `bytes` is an SVG document: an optional UTF-8 BOM, whitespace, an XML declaration,
 * comments, processing instructions and a DOCTYPE without an internal subset (which could declare
 * entities), then an `<svg` root element. Text only: nothing is parsed as XML or rendered.
 */
export function isSvgDocument(bytes: Buffer): boolean {
  return svgRootOffset(prologText(bytes)) !== undefined;
}

/**
 * The displayed size of an SVG document from its root's `width` and `height` (unitless or `px`),
 * else from its `viewBox`; `undefined` when neither gives positive numbers (the size is unknown:
 * an SVG may have no intrinsic size at all).
 */
export function readSvgSize(bytes: Buffer): ImageSize | undefined {
  const text = prologText(bytes, MAX_PROLOG_BYTES + MAX_ROOT_TAG_BYTES);
  const root = svgRootOffset(text);
  if (root === undefined) return undefined;
  const end = text.indexOf('>', root);
  const tag = end === -1 ? text.slice(root) : text.slice(root, end);
  const width = pixels(attribute(tag, 'width'));
  const height = pixels(attribute(tag, 'height'));
  if (width !== undefined && height !== undefined) return { width, height };
  const viewBox = attribute(tag, 'viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if (viewBox?.length === 4 && viewBox.every(Number.isFinite)) {
    const [, , boxWidth, boxHeight] = viewBox as [number, number, number, number];
    // A viewBox alone fixes only the ratio; a given width or height scales it.
    if (boxWidth > 0 && boxHeight > 0) {
      if (width !== undefined) return { width, height: Math.max(1, Math.round((width * boxHeight) / boxWidth)) };
      if (height !== undefined) return { width: Math.max(1, Math.round((height * boxWidth) / boxHeight)), height };
      return { width: Math.max(1, Math.round(boxWidth)), height: Math.max(1, Math.round(boxHeight)) };
    }
  }
  return undefined;
}

function prologText(bytes: Buffer, limit = MAX_PROLOG_BYTES + 5): string {
  const text = bytes.toString('utf8', 0, Math.min(bytes.length, limit));
  return text.startsWith(UTF8_BOM) ? text.slice(1) : text;
}

/** Where `<svg` starts after the prolog, or `undefined` when anything else comes first. */
function svgRootOffset(text: string): number | undefined {
  let at = 0;
  while (at < MAX_PROLOG_BYTES) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
    if (text.startsWith('<svg', at)) {
      const next = text[at + 4];
      return next === undefined || /[\s>/]/.test(next) ? at : undefined;
    }
    const skipped = skipPrologItem(text, at);
    if (skipped === undefined) return undefined;
    at = skipped;
  }
  return undefined;
}

/** The offset after one XML declaration, processing instruction, comment or plain DOCTYPE at `at`. */
function skipPrologItem(text: string, at: number): number | undefined {
  const close = (opening: string, closing: string): number | undefined => {
    if (!text.startsWith(opening, at)) return undefined;
    const end = text.indexOf(closing, at + opening.length);
    return end === -1 ? undefined : end + closing.length;
  };
  if (text.startsWith('<!DOCTYPE', at)) {
    const end = text.indexOf('>', at);
    // An internal subset (`[...]`) can declare entities: not an SVG we serve.
    if (end === -1 || text.slice(at, end).includes('[')) return undefined;
    return end + 1;
  }
  return close('<?', '?>') ?? close('<!--', '-->');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** `512`, `512.5` or `512px` → pixels (rounded); percentages and other units are not a size. */
function pixels(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/.exec(value);
  const number = match ? Math.round(Number(match[1])) : undefined;
  return number !== undefined && number > 0 ? number : undefined;
}
