import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, renderColorIcon, renderOutlineIcon } from '../../scripts/make-icons.js';
import { checkIcons, defaultAppDir, readPng } from '../../scripts/package-app.js';

const committed = async (name: string): Promise<Buffer> => readFile(path.join(defaultAppDir, name));

/** IHDR read straight from the bytes, independently of readPng. */
function ihdr(png: Buffer): { width: number; height: number; bitDepth: number; colorType: number } {
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24] as number, colorType: png[25] as number };
}

function pixels(rgba: Uint8Array): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < rgba.length; i += 4) out.push([rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]] as [number, number, number, number]);
  return out;
}

describe('the committed icons', () => {
  it('color.png is 192×192 and fully opaque', async () => {
    const png = await committed('color.png');
    expect(ihdr(png)).toMatchObject({ width: 192, height: 192 });
    const image = readPng(png);
    expect([image.width, image.height]).toEqual([192, 192]);
    expect(pixels(image.rgba).every(([, , , a]) => a === 255)).toBe(true);
  });

  it('outline.png is 32×32 with only white and transparent pixels, and has both', async () => {
    const png = await committed('outline.png');
    expect(ihdr(png)).toMatchObject({ width: 32, height: 32, colorType: 6 });
    const image = readPng(png);
    const all = pixels(image.rgba);
    expect(all).toHaveLength(32 * 32);
    const stray = all.filter(([r, g, b, a]) => a !== 0 && !(r === 255 && g === 255 && b === 255));
    expect(stray).toEqual([]);
    const transparent = all.filter(([, , , a]) => a === 0).length;
    const opaqueWhite = all.filter(([, , , a]) => a === 255).length;
    expect(transparent).toBeGreaterThan(32 * 32 * 0.3); // a glyph on a transparent background
    expect(opaqueWhite).toBeGreaterThan(32 * 32 * 0.1); // and a glyph big enough to see
    // The border must be transparent: Teams draws the outline icon on its own background.
    for (let i = 0; i < 32; i++) {
      for (const [x, y] of [[i, 0], [i, 31], [0, i], [31, i]] as const) expect(image.rgba[(y * 32 + x) * 4 + 3]).toBe(0);
    }
  });

  it('pass the same icon check npm run package applies', async () => {
    expect(checkIcons({ color: await committed('color.png'), outline: await committed('outline.png') })).toEqual([]);
  });

  it('are what scripts/make-icons.ts draws (regenerate with npx tsx scripts/make-icons.ts)', async () => {
    expect(renderColorIcon().equals(await committed('color.png'))).toBe(true);
    expect(renderOutlineIcon().equals(await committed('outline.png'))).toBe(true);
  });
});

describe('checkIcons', () => {
  const square = (size: number, rgba: [number, number, number, number]): Buffer =>
    encodePng(size, size, new Uint8Array(size * size * 4).map((_, i) => rgba[i % 4] as number));
  const outlineWith = (pixel: [number, number, number, number]): Buffer => {
    const rgba = readPng(renderOutlineIcon()).rgba.slice();
    rgba.set(pixel, (16 * 32 + 2) * 4); // a pixel in the transparent margin
    return encodePng(32, 32, rgba);
  };
  const color = renderColorIcon();
  const outline = renderOutlineIcon();

  it.each([
    ['a colour icon of the wrong size', { color: square(96, [0, 0, 255, 255]), outline }, /color icon must be 192×192 pixels, not 96×96/],
    ['an outline icon of the wrong size', { color, outline: square(48, [255, 255, 255, 0]) }, /outline icon must be 32×32 pixels, not 48×48/],
    ['a coloured pixel in the outline', { color, outline: outlineWith([255, 0, 0, 255]) }, /1 pixels are neither white nor transparent/],
    ['a half-transparent grey pixel in the outline', { color, outline: outlineWith([128, 128, 128, 128]) }, /neither white nor transparent/],
    ['an outline without transparency', { color, outline: square(32, [255, 255, 255, 255]) }, /must have a transparent background/],
    ['an empty outline', { color, outline: square(32, [255, 255, 255, 0]) }, /no visible \(white\) pixels/],
    ['a file that is not a PNG', { color: Buffer.from('GIF89a'), outline }, /color icon: not a PNG file/],
  ])('when given %s, then it says what is wrong', (_case, icons, message) => {
    expect(checkIcons(icons).join('\n')).toMatch(message);
  });

  it('accepts white pixels with partial alpha (anti-aliased edges)', () => {
    expect(checkIcons({ color, outline: outlineWith([255, 255, 255, 100]) })).toEqual([]);
  });
});

describe('readPng', () => {
  /** A PNG encoded with a given filter on every row, to exercise the decoder's unfiltering. */
  function encodeFiltered(width: number, height: number, channels: number, colorType: number, data: Uint8Array, filter: number): Buffer {
    const stride = width * channels;
    const raw = Buffer.alloc(height * (stride + 1));
    for (let y = 0; y < height; y++) {
      raw[y * (stride + 1)] = filter;
      for (let x = 0; x < stride; x++) {
        const cur = data[y * stride + x] as number;
        const left = x >= channels ? (data[y * stride + x - channels] as number) : 0;
        const up = y > 0 ? (data[(y - 1) * stride + x] as number) : 0;
        const upLeft = y > 0 && x >= channels ? (data[(y - 1) * stride + x - channels] as number) : 0;
        const p = left + up - upLeft;
        const paeth = [left, up, upLeft].sort((a, b) => Math.abs(p - a) - Math.abs(p - b) || [left, up, upLeft].indexOf(a) - [left, up, upLeft].indexOf(b))[0] as number;
        const predictor = [0, left, up, (left + up) >> 1, paeth][filter] as number;
        raw[y * (stride + 1) + 1 + x] = (cur - predictor) & 0xff;
      }
    }
    const chunk = (type: string, body: Buffer): Buffer => {
      const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
      const out = Buffer.alloc(typed.length + 8);
      out.writeUInt32BE(body.length, 0);
      typed.copy(out, 4);
      out.writeUInt32BE(crc32(typed), typed.length + 4);
      return out;
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, colorType, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }

  const rgba = readPng(renderColorIcon(24)).rgba;

  it.each([0, 1, 2, 3, 4])('decodes rows written with filter type %i', (filter) => {
    expect(readPng(encodeFiltered(24, 24, 4, 6, rgba, filter)).rgba).toEqual(rgba);
  });

  it('decodes RGB and grey+alpha images to RGBA', () => {
    const rgb = new Uint8Array([10, 20, 30, 40, 50, 60]);
    expect([...readPng(encodeFiltered(2, 1, 3, 2, rgb, 4)).rgba]).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    const greyAlpha = new Uint8Array([255, 0, 255, 200]);
    expect([...readPng(encodeFiltered(2, 1, 2, 4, greyAlpha, 1)).rgba]).toEqual([255, 255, 255, 0, 255, 255, 255, 200]);
  });

  it('rejects a corrupted file', () => {
    const png = Buffer.from(renderOutlineIcon());
    png[40] = (png[40] as number) ^ 0xff;
    expect(() => readPng(png)).toThrow(/bad CRC/);
  });

  it('rejects formats it cannot check, saying how to re-save', () => {
    const png = encodeFiltered(1, 1, 4, 6, new Uint8Array(4), 0);
    png[24] = 16; // bit depth 16 in IHDR
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(() => readPng(png)).toThrow(/unsupported PNG format \(bit depth 16.*save it as 8-bit RGBA/);
  });
});
