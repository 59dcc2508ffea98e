/**
 * `npm run package` — turns appManifest/ into the Teams app package that is uploaded to Teams.
 *
 *   npm run package [-- --env FILE] [--dir DIR] [--out DIR]
 *
 * Steps: load env values (FILE, default env/.env.local when it exists; process.env wins over
 * the file, as with dotenv), fill the `${{VAR}}` placeholders of manifest.json (Teams
 * Toolkit convention), validate the result offline against the JSON schema bundled in
 * @microsoft/app-manifest, check the icons, and write build/appPackage/appPackage.<env>.zip
 * with manifest.json, color.png and outline.png at the zip root.
 *
 * The pure steps are exported so tests can call them without touching the file system.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, parseEnv } from 'node:util';
import { crc32, inflateSync } from 'node:zlib';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import JSZip from 'jszip';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const defaultAppDir = path.join(repoRoot, 'appManifest');
export const defaultOutDir = path.join(repoRoot, 'build', 'appPackage');
export const defaultEnvFile = path.join(repoRoot, 'env', '.env.local');

/** A failure a person can fix; `problems` lists every one found, not just the first. */
export class PackageError extends Error {
  constructor(
    readonly summary: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length === 0 ? summary : `${summary}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageError';
  }
}

/** A path as a person wants to read it: relative when under the working directory. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type EnvValues = Readonly<Record<string, string | undefined>>;

// ---------------------------------------------------------------------------------------------
// Environment

export interface LoadedEnv {
  /** Name used in the zip's file name: env/.env.dev.user → "dev". */
  readonly envName: string;
  /** The env file that was read, if any. */
  readonly file: string | undefined;
  readonly values: EnvValues;
}

/** `.env.local` → "local", `.env.dev.user` → "dev", `prod.env` → "prod". */
export function envNameFromFile(file: string): string {
  const name = path
    .basename(file)
    .replace(/^\.env\.?/, '')
    .replace(/\.env$/, '')
    .replace(/\.(user|sample)$/, '')
    .replace(/[^A-Za-z0-9_.-]/g, '-');
  return name === '' ? 'default' : name;
}

/**
 * Reads the env file (explicit, or the default one when it exists) and overlays process.env.
 * An explicit file that does not exist is an error; a missing default file is not.
 */
export async function loadEnv(options: {
  readonly envFile?: string | undefined;
  readonly defaultFile?: string;
  readonly processEnv?: EnvValues;
}): Promise<LoadedEnv> {
  const processEnv = options.processEnv ?? process.env;
  const defaultFile = options.defaultFile ?? defaultEnvFile;
  let file: string | undefined;
  if (options.envFile !== undefined) {
    file = path.resolve(options.envFile);
    if (!existsSync(file)) throw new PackageError(`Env file not found: ${options.envFile}`);
  } else if (existsSync(defaultFile)) {
    file = defaultFile;
  }
  const fromFile = file === undefined ? {} : parseEnv(await readFile(file, 'utf8'));
  const values: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(processEnv)) {
    if (value !== undefined) values[key] = value;
  }
  return { envName: file === undefined ? 'default' : envNameFromFile(file), file, values };
}

// ---------------------------------------------------------------------------------------------
// Placeholders

const placeholder = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of the `${{VAR}}` placeholders used anywhere in a JSON value, sorted. */
export function placeholderNames(value: JsonValue): string[] {
  const names = new Set<string>();
  visitStrings(value, (text) => {
    for (const match of text.matchAll(placeholder)) names.add(match[1] as string);
    return text;
  });
  return [...names].sort();
}

/**
 * Replaces every `${{VAR}}` in the string values of a parsed manifest. Working on the parsed
 * JSON (not the text) means a value with quotes or backslashes cannot break the JSON.
 * An undefined variable is an error naming every missing one; an empty value is allowed
 * (APP_NAME_SUFFIX is often empty).
 */
export function substitutePlaceholders(value: JsonValue, env: EnvValues): JsonValue {
  const missing = placeholderNames(value).filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    throw new PackageError(
      `manifest.json uses ${missing.length === 1 ? 'a variable that is' : 'variables that are'} not set: ${missing.join(', ')}`,
      missing.map((name) => `${name} is not defined (set it in the env file or the environment)`),
    );
  }
  return visitStrings(value, (text) => text.replace(placeholder, (_match, name: string) => env[name] as string));
}

function visitStrings(value: JsonValue, map: (text: string) => string): JsonValue {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => visitStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visitStrings(item, map)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Validation

type ManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

const schemaUrlPrefix = 'https://developer.microsoft.com/json-schemas/teams/';
const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The file inside @microsoft/app-manifest that holds the schema a `$schema` URL names.
 * We load it ourselves so validation never falls back to a download.
 */
export function bundledSchemaPath(schemaUrl: unknown): string {
  if (typeof schemaUrl !== 'string' || !schemaUrl.startsWith(schemaUrlPrefix)) {
    throw new PackageError(
      `manifest.json must have a "$schema" starting with ${schemaUrlPrefix} (got ${JSON.stringify(schemaUrl)})`,
    );
  }
  const relative = schemaUrl.slice(schemaUrlPrefix.length);
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  const file = path.join(path.dirname(packageJson), 'build', 'json-schemas', 'teams', relative);
  if (relative.includes('..') || !existsSync(file)) {
    throw new PackageError(
      `The schema ${schemaUrl} is not bundled with @microsoft/app-manifest; use a bundled version such as v1.22`,
    );
  }
  return file;
}

async function loadBundledSchema(schemaUrl: unknown): Promise<ManifestSchema> {
  const raw = await readFile(bundledSchemaPath(schemaUrl), 'utf8');
  // Same clean-up @microsoft/app-manifest applies: some schemas contain \a and \v escapes.
  return JSON.parse(raw.replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as ManifestSchema;
}

/** Rules the schema does not state but the package needs. */
export function checkManifestRules(manifest: JsonValue): string[] {
  const problems: string[] = [];
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    return ['manifest.json must be a JSON object'];
  }
  const leftovers = placeholderNames(manifest);
  if (leftovers.length > 0) problems.push(`placeholders left after substitution: ${leftovers.join(', ')}`);
  const bots = manifest['bots'];
  const bot: unknown = Array.isArray(bots) ? bots[0] : undefined;
  const botId = bot !== null && typeof bot === 'object' ? (bot as Record<string, unknown>)['botId'] : undefined;
  if (typeof botId !== 'string' || !guid.test(botId)) {
    problems.push(
      `bots[0].botId must be a GUID (the Microsoft App ID of the Azure Bot, BOT_ID); got ${JSON.stringify(botId ?? null)}`,
    );
  }
  const icons = manifest['icons'];
  if (icons !== null && typeof icons === 'object' && !Array.isArray(icons)) {
    for (const kind of ['color', 'outline'] as const) {
      const file = icons[kind];
      if (typeof file === 'string' && (file.includes('/') || file.includes('\\'))) {
        problems.push(`icons.${kind} must be a file name at the package root, not ${JSON.stringify(file)}`);
      }
    }
  }
  return problems;
}

/**
 * Every problem with a substituted manifest: schema errors (validated offline against the
 * schema its `$schema` names) followed by our own rules. Empty when the manifest is good.
 */
export async function validateManifest(manifest: JsonValue): Promise<string[]> {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    return ['manifest.json must be a JSON object'];
  }
  const schema = await loadBundledSchema(manifest['$schema']);
  const schemaErrors = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema);
  return [...schemaErrors.map((error) => `schema: ${error.trim()}`), ...checkManifestRules(manifest)];
}

// ---------------------------------------------------------------------------------------------
// Icons

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, RGBA, row by row. */
  readonly rgba: Uint8Array;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes a non-interlaced 8-bit PNG (grey, RGB, palette, grey+alpha or RGBA) to RGBA.
 * Enough to check what Teams checks (size, transparency) without an image library.
 */
export function readPng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(pngSignature)) throw new Error('not a PNG file');
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | undefined;
  let palette: Buffer | undefined;
  let transparency: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset + 12 <= buf.length && !ended) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const dataEnd = offset + 8 + length;
    if (dataEnd + 4 > buf.length) throw new Error(`PNG chunk ${type} is truncated`);
    const data = buf.subarray(offset + 8, dataEnd);
    if (crc32(buf.subarray(offset + 4, dataEnd)) !== buf.readUInt32BE(dataEnd)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    switch (type) {
      case 'IHDR':
        header = {
          width: data.readUInt32BE(0),
          height: data.readUInt32BE(4),
          bitDepth: data.readUInt8(8),
          colorType: data.readUInt8(9),
          interlace: data.readUInt8(12),
        };
        break;
      case 'PLTE':
        palette = data;
        break;
      case 'tRNS':
        transparency = data;
        break;
      case 'IDAT':
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
    }
    offset = dataEnd + 4;
  }
  if (header === undefined) throw new Error('PNG has no IHDR chunk');
  if (!ended) throw new Error('PNG has no IEND chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  const channelsByType: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  const channels = channelsByType[colorType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(
      `unsupported PNG format (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}); save it as 8-bit RGBA, not interlaced`,
    );
  }
  if (colorType === 3 && palette === undefined) throw new Error('palette PNG has no PLTE chunk');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error('PNG image data has the wrong length');
  const pixels = unfilter(raw, width, height, channels);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    let r: number, g: number, b: number, a: number;
    switch (colorType) {
      case 0:
        r = g = b = pixels[s] as number;
        a = transparency !== undefined && transparency.length >= 2 && transparency.readUInt16BE(0) === r ? 0 : 255;
        break;
      case 2:
        [r, g, b] = [pixels[s] as number, pixels[s + 1] as number, pixels[s + 2] as number];
        a =
          transparency !== undefined &&
          transparency.length >= 6 &&
          transparency.readUInt16BE(0) === r &&
          transparency.readUInt16BE(2) === g &&
          transparency.readUInt16BE(4) === b
            ? 0
            : 255;
        break;
      case 3: {
        const index = pixels[s] as number;
        const p = palette as Buffer;
        if (index * 3 + 2 >= p.length) throw new Error('PNG palette index out of range');
        [r, g, b] = [p[index * 3] as number, p[index * 3 + 1] as number, p[index * 3 + 2] as number];
        a = transparency !== undefined && index < transparency.length ? (transparency[index] as number) : 255;
        break;
      }
      case 4:
        r = g = b = pixels[s] as number;
        a = pixels[s + 1] as number;
        break;
      default:
        [r, g, b, a] = [pixels[s] as number, pixels[s + 1] as number, pixels[s + 2] as number, pixels[s + 3] as number];
    }
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, rgba };
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? (out[row + x - bpp] as number) : 0;
      const up = y > 0 ? (out[prev + x] as number) : 0;
      const upLeft = y > 0 && x >= bpp ? (out[prev + x - bpp] as number) : 0;
      let predictor: number;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = left; break;
        case 2: predictor = up; break;
        case 3: predictor = (left + up) >> 1; break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left), pb = Math.abs(p - up), pc = Math.abs(p - upLeft);
          predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
          break;
        }
        default: throw new Error(`PNG row ${y} has an unknown filter type ${filter}`);
      }
      out[row + x] = ((line[x] as number) + predictor) & 0xff;
    }
  }
  return out;
}

/** Teams' icon rules: color 192×192; outline 32×32, white on a transparent background. */
export function checkIcons(icons: { readonly color: Uint8Array; readonly outline: Uint8Array }): string[] {
  const problems: string[] = [];
  const decode = (kind: string, png: Uint8Array): DecodedPng | undefined => {
    try {
      return readPng(png);
    } catch (error) {
      problems.push(`${kind} icon: ${(error as Error).message}`);
      return undefined;
    }
  };
  const color = decode('color', icons.color);
  if (color !== undefined && (color.width !== 192 || color.height !== 192)) {
    problems.push(`color icon must be 192×192 pixels, not ${color.width}×${color.height}`);
  }
  const outline = decode('outline', icons.outline);
  if (outline !== undefined) {
    if (outline.width !== 32 || outline.height !== 32) {
      problems.push(`outline icon must be 32×32 pixels, not ${outline.width}×${outline.height}`);
    }
    let coloured = 0, transparent = 0, white = 0;
    for (let i = 0; i < outline.rgba.length; i += 4) {
      const [r, g, b, a] = outline.rgba.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r === 255 && g === 255 && b === 255) white++;
      else coloured++;
    }
    if (coloured > 0) problems.push(`outline icon must be white on transparent: ${coloured} pixels are neither white nor transparent`);
    if (transparent === 0) problems.push('outline icon must have a transparent background');
    if (white === 0) problems.push('outline icon has no visible (white) pixels');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Package

/** A zip date fixed so the same inputs give the same bytes. */
const zipDate = new Date('2024-01-01T00:00:00Z');

/** The app package: manifest.json plus the two icons, all at the zip root. */
export async function buildAppPackage(contents: {
  readonly manifest: JsonValue;
  readonly files: Readonly<Record<string, Uint8Array>>;
}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(contents.manifest, null, 2)}\n`, { date: zipDate });
  for (const [name, data] of Object.entries(contents.files).sort(([a], [b]) => a.localeCompare(b))) {
    zip.file(name, data, { date: zipDate });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

export interface PackageOptions {
  readonly appDir?: string;
  readonly outDir?: string;
  readonly envFile?: string | undefined;
  readonly defaultEnvFile?: string;
  readonly processEnv?: EnvValues;
}

export interface PackageResult {
  readonly zipPath: string;
  readonly envName: string;
  readonly manifest: JsonValue & { version?: string; manifestVersion?: string };
}

/** The whole `npm run package`: load, substitute, validate, check icons, zip, write. */
export async function packageApp(options: PackageOptions = {}): Promise<PackageResult> {
  const appDir = options.appDir ?? defaultAppDir;
  const outDir = options.outDir ?? defaultOutDir;
  const env = await loadEnv({
    envFile: options.envFile,
    ...(options.defaultEnvFile === undefined ? {} : { defaultFile: options.defaultEnvFile }),
    ...(options.processEnv === undefined ? {} : { processEnv: options.processEnv }),
  });

  const manifestPath = path.join(appDir, 'manifest.json');
  let template: JsonValue;
  try {
    template = JSON.parse(await readFile(manifestPath, 'utf8')) as JsonValue;
  } catch (error) {
    throw new PackageError(`Cannot read ${shown(manifestPath)}: ${(error as Error).message}`);
  }
  let manifest: JsonValue;
  try {
    manifest = substitutePlaceholders(template, env.values);
  } catch (error) {
    if (error instanceof PackageError && env.file === undefined) {
      throw new PackageError(
        `${error.summary} (no env file was loaded: ${shown(options.defaultEnvFile ?? defaultEnvFile)} does not exist; pass --env FILE)`,
        error.problems,
      );
    }
    throw error;
  }

  const problems = await validateManifest(manifest);
  if (problems.length > 0) {
    throw new PackageError(`${shown(manifestPath)} is not a valid Teams manifest:`, problems);
  }

  const icons = (manifest as { icons: { color: string; outline: string } }).icons;
  const files: Record<string, Uint8Array> = {};
  for (const kind of ['color', 'outline'] as const) {
    try {
      files[icons[kind]] = await readFile(path.join(appDir, icons[kind]));
    } catch (error) {
      throw new PackageError(`Cannot read the ${kind} icon ${icons[kind]}: ${(error as Error).message}`);
    }
  }
  const iconProblems = checkIcons({ color: files[icons.color] as Uint8Array, outline: files[icons.outline] as Uint8Array });
  if (iconProblems.length > 0) throw new PackageError('The icons do not meet Teams\' rules:', iconProblems);

  const zip = await buildAppPackage({ manifest, files });
  await mkdir(outDir, { recursive: true });
  const zipPath = path.join(outDir, `appPackage.${env.envName}.zip`);
  await writeFile(zipPath, zip);
  return { zipPath, envName: env.envName, manifest: manifest as PackageResult['manifest'] };
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      dir: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const result = await packageApp({
    envFile: values.env,
    ...(values.dir === undefined ? {} : { appDir: path.resolve(values.dir) }),
    ...(values.out === undefined ? {} : { outDir: path.resolve(values.out) }),
  });
  console.log(
    `Wrote ${shown(result.zipPath)} (app version ${result.manifest.version}, manifest schema ${result.manifest.manifestVersion}, env ${result.envName})`,
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof PackageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? `package: ${(error as Error).message}`
      : error);
    process.exitCode = 1;
  });
}
