/**
 * Draws the Teams app icons: a person with a "+" badge ("a new account").
 *
 *   npx tsx scripts/make-icons.ts   → appManifest/color.png (192×192) and outline.png (32×32)
 *
 * The PNGs are committed; this script is how they were made, so the glyph can be changed
 * in code review instead of in an image editor. Output is deterministic (test/manifest
 * checks the committed files equal a fresh render).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];

/** Teal, the manifest's accentColor (#0E7C86). */
export const accent: Rgb = [0x0e, 0x7c, 0x86];
const white: Rgb = [255, 255, 255];

// The glyph in unit coordinates (0..1 across the icon), shared by both icons.
const head = { x: 0.4, y: 0.33, r: 0.135 };
const body = { x: 0.4, y: 0.8, rx: 0.25, ry: 0.25 };
const badge = { x: 0.7, y: 0.67, gap: 0.2, disc: 0.165 };
/** The "+" is drawn bolder at 32 px so it survives the small size. */
const colorPlus = { arm: 0.105, thickness: 0.04 };
const outlinePlus = { arm: 0.14, thickness: 0.055 };

const inCircle = (u: number, v: number, c: { x: number; y: number }, r: number): boolean =>
  (u - c.x) ** 2 + (v - c.y) ** 2 <= r * r;
const inPerson = (u: number, v: number): boolean =>
  inCircle(u, v, head, head.r) ||
  (v <= body.y && ((u - body.x) / body.rx) ** 2 + ((v - body.y) / body.ry) ** 2 <= 1);
const inBadgeGap = (u: number, v: number): boolean => inCircle(u, v, badge, badge.gap);
const inBadgeDisc = (u: number, v: number): boolean => inCircle(u, v, badge, badge.disc);
const inPlus = (u: number, v: number, plus: { arm: number; thickness: number }): boolean => {
  const dx = Math.abs(u - badge.x), dy = Math.abs(v - badge.y);
  return (dx <= plus.arm && dy <= plus.thickness) || (dy <= plus.arm && dx <= plus.thickness);
};

/** Colour of the full-colour icon at a point: white person and badge disc, teal "+" and background. */
function colorAt(u: number, v: number): Rgb {
  if (inBadgeGap(u, v)) return inBadgeDisc(u, v) && !inPlus(u, v, colorPlus) ? white : accent;
  return inPerson(u, v) ? white : accent;
}

/** Coverage of the outline icon at a point: the person (cut around the badge) and a white "+". */
function outlineAt(u: number, v: number): boolean {
  if (inBadgeGap(u, v)) return inPlus(u, v, outlinePlus);
  return inPerson(u, v);
}

const samples = 4; // 4×4 supersampling for smooth edges

/** RGBA pixels of a size×size image; `shade` gives [r, g, b, a] for one sample point. */
function render(size: number, shade: (u: number, v: number) => readonly [number, number, number, number]): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const s = shade((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size);
          for (let c = 0; c < 4; c++) sum[c] = (sum[c] as number) + (s[c] as number);
        }
      }
      const n = samples * samples;
      rgba.set(sum.map((total) => Math.round(total / n)), (y * size + x) * 4);
    }
  }
  return rgba;
}

export function renderColorIcon(size = 192): Buffer {
  return encodePng(size, size, render(size, (u, v) => [...colorAt(u, v), 255]));
}

/** White only, alpha carries the shape: Teams tints the outline icon itself. */
export function renderOutlineIcon(size = 32): Buffer {
  return encodePng(size, size, render(size, (u, v) => (outlineAt(u, v) ? [255, 255, 255, 255] : [255, 255, 255, 0])));
}

/** A minimal PNG encoder: 8-bit RGBA, no filtering, one IDAT. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(typeAndData.length + 8);
    out.writeUInt32BE(data.length, 0);
    typeAndData.copy(out, 4);
    out.writeUInt32BE(crc32(typeAndData), typeAndData.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter, no interlace
  const stride = width * 4;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function main(): Promise<void> {
  const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'appManifest');
  await writeFile(path.join(appDir, 'color.png'), renderColorIcon());
  await writeFile(path.join(appDir, 'outline.png'), renderOutlineIcon());
  console.log(`Wrote ${path.relative(process.cwd(), path.join(appDir, 'color.png'))} and outline.png`);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
