import { describe, expect, it } from 'vitest';
import { isSvgDocument, readSvgSize } from '../../../src/images/read-svg.js';
import { fakeImage } from '../../fakes/fake-upstream.js';

const svg = (text: string) => Buffer.from(text);

describe('isSvgDocument', () => {
  it.each([
    ['a bare root', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['a BOM, an XML declaration and whitespace', '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n\n<svg viewBox="0 0 1 1"></svg>'],
    [
      'an editor comment and a plain DOCTYPE',
      '<?xml version="1.0"?><!-- Generator: x --><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>',
    ],
  ])('accepts %s', (_name, text) => {
    expect(isSvgDocument(svg(text))).toBe(true);
  });

  it.each([
    ['HTML', '<!doctype html><html><svg></svg></html>'],
    ['another XML root', '<?xml version="1.0"?><svgx/>'],
    ['a DOCTYPE with an internal subset (entities)', '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'],
    ['an unterminated comment', '<!-- <svg>'],
    ['text before the root', 'hello <svg></svg>'],
    ['empty bytes', ''],
  ])('refuses %s', (_name, text) => {
    expect(isSvgDocument(svg(text))).toBe(false);
  });

  it('refuses raster bytes, and a root past the bounded prolog', async () => {
    expect(isSvgDocument(await fakeImage(8, 8, 'png', 0))).toBe(false);
    expect(isSvgDocument(svg(`<!--${'x'.repeat(10_000)}--><svg></svg>`))).toBe(false);
  });
});

describe('readSvgSize', () => {
  it('reads width and height (unitless or px), else the viewBox', () => {
    expect(readSvgSize(svg('<svg width="1024" height="768px" viewBox="0 0 10 10">'))).toEqual({ width: 1024, height: 768 });
    expect(readSvgSize(svg("<?xml version='1.0'?><svg viewBox='0 0 1365.4 1024'>"))).toEqual({ width: 1365, height: 1024 });
    expect(readSvgSize(svg('<svg width="512" viewBox="0,0,200,100">'))).toEqual({ width: 512, height: 256 });
  });

  it('is unknown without usable attributes', () => {
    expect(readSvgSize(svg('<svg width="100%" height="100%">'))).toBeUndefined();
    expect(readSvgSize(svg('<svg>'))).toBeUndefined();
    expect(readSvgSize(svg('<svg viewBox="0 0 0 10">'))).toBeUndefined();
    expect(readSvgSize(svg('<html width="10" height="10">'))).toBeUndefined();
  });
});
