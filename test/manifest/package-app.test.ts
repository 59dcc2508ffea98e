import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildAppPackage,
  bundledSchemaPath,
  defaultAppDir,
  envNameFromFile,
  loadEnv,
  packageApp,
  PackageError,
  placeholderNames,
  substitutePlaceholders,
  validateManifest,
  type JsonValue,
} from '../../scripts/package-app.js';

const localEnv = {
  TEAMS_APP_ID: '00000000-0000-4000-8000-0000000a0701',
  BOT_ID: '00000000-0000-4000-8000-0000000b0701',
  APP_NAME_SUFFIX: ' (local)',
};

type Manifest = { [key: string]: JsonValue };
type Bot = { botId?: string; scopes: string[]; supportsFiles: boolean; commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] };

const readTemplate = async (): Promise<Manifest> =>
  JSON.parse(await readFile(path.join(defaultAppDir, 'manifest.json'), 'utf8')) as Manifest;
const substituted = async (): Promise<Manifest> => substitutePlaceholders(await readTemplate(), localEnv) as Manifest;
const botOf = (manifest: Manifest): Bot => (manifest['bots'] as unknown as Bot[])[0] as Bot;

/** Runs fn and returns the PackageError it throws. */
function thrown(fn: () => unknown): PackageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PackageError);
    return error as PackageError;
  }
  throw new Error('expected a PackageError');
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'onboarding-manifest-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the committed manifest', () => {
  it('when its placeholders are filled with the local values, then it validates against the bundled schema', async () => {
    expect(await validateManifest(await substituted())).toEqual([]);
  });

  it('uses exactly the placeholders TEAMS_APP_ID, BOT_ID and APP_NAME_SUFFIX', async () => {
    expect(placeholderNames(await readTemplate())).toEqual(['APP_NAME_SUFFIX', 'BOT_ID', 'TEAMS_APP_ID']);
  });

  it('names a schema that @microsoft/app-manifest bundles (v1.22)', async () => {
    const manifest = await readTemplate();
    expect(manifest['manifestVersion']).toBe('1.22');
    expect(bundledSchemaPath(manifest['$schema'])).toMatch(/v1\.22[/\\]MicrosoftTeams\.schema\.json$/);
  });

  it('offers the bot in personal, team and group chats, with files (a sheet sent, an export received: 1:1 chats only), with a command list per scope', async () => {
    const bot = botOf(await substituted());
    expect(bot.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    // Without it Teams sends the bot no file and takes no file consent card from it
    // (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4).
    expect(bot.supportsFiles).toBe(true);
    expect(bot.commandLists.map((list) => list.scopes).flat().sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of bot.commandLists) {
      const titles = list.commands.map((command) => command.title);
      expect(titles).toEqual(expect.arrayContaining(['help', 'new user', 'onboard']));
      expect(titles.includes('set ticket channel')).toBe(list.scopes.includes('team'));
      // Answers that name other people's accounts are given in the 1:1 chat only: not offered where a team or group reads them.
      expect(titles.includes('status')).toBe(list.scopes.includes('personal'));
      expect(titles.includes('audit')).toBe(list.scopes.includes('personal'));
    }
    const commands = bot.commandLists.flatMap((list) => list.commands);
    expect(commands.find((c) => c.title === 'new user')?.description).toBe('Request a new Entra ID account');
    expect(commands.find((c) => c.title === 'status')?.description).toBe('Your recent requests');
    expect(commands.find((c) => c.title === 'set ticket channel')?.description).toBe('Make this channel the IT ticket channel');
  });

  it('is named "Onboarding" plus the env suffix and says the password goes to the one person chosen, in their own 1:1 chat', async () => {
    const manifest = await substituted();
    expect(manifest['name']).toEqual({ short: 'Onboarding (local)', full: 'Onboarding — new Entra ID accounts (local)' });
    const description = manifest['description'] as { short: string; full: string };
    expect(description.short).toMatch(/one chosen person gets the password/);
    // The manager or the IT coordinator may be chosen instead of the requester (SECRET_RECIPIENT_CHOICES).
    expect(description.full).toMatch(/the person who made the request, the new colleague's manager, or the IT coordinator/);
    expect(description.full).toMatch(/only in their own 1:1 chat with the bot/);
    expect(description.full).not.toMatch(/only to the person who made the request/);
  });
});

describe('substitutePlaceholders', () => {
  it('when every variable is set, then no placeholder is left and the values are in place', async () => {
    const manifest = await substituted();
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest['id']).toBe(localEnv.TEAMS_APP_ID);
    expect(botOf(manifest).botId).toBe(localEnv.BOT_ID);
  });

  it('when a variable is missing, then the error names it', async () => {
    const template = await readTemplate();
    const error = thrown(() => substitutePlaceholders(template, { ...localEnv, BOT_ID: undefined }));
    expect(error.message).toContain('BOT_ID');
    expect(error.message).not.toContain('TEAMS_APP_ID');
  });

  it('when several variables are missing, then the error names every one', async () => {
    const error = thrown(() => substitutePlaceholders({ a: '${{ONE}}', b: ['x${{TWO}}y'] }, {}));
    expect(error.problems).toEqual([
      'ONE is not defined (set it in the env file or the environment)',
      'TWO is not defined (set it in the env file or the environment)',
    ]);
  });

  it.each([
    ['an empty value', '', 'Onboarding'],
    ['quotes and backslashes', ' "q" \\ ', 'Onboarding "q" \\ '],
    ['something that looks like a placeholder', '${{BOT_ID}}', 'Onboarding${{BOT_ID}}'],
  ])('when the value is %s, then it is inserted verbatim', (_case, value, expected) => {
    expect(substitutePlaceholders({ short: 'Onboarding${{APP_NAME_SUFFIX}}' }, { APP_NAME_SUFFIX: value })).toEqual({
      short: expected,
    });
  });

  it('accepts spaces inside the braces and leaves non-string values alone', () => {
    expect(substitutePlaceholders({ id: '${{ X }}', n: 1, b: true, z: null }, { X: 'y' })).toEqual({ id: 'y', n: 1, b: true, z: null });
  });
});

describe('validateManifest', () => {
  it('when bots[0] has no botId, then the schema error says so', async () => {
    const manifest = await substituted();
    delete (botOf(manifest) as { botId?: string }).botId;
    const problems = await validateManifest(manifest);
    expect(problems).toContainEqual(expect.stringMatching(/^schema: \/bots\/0 must have required property 'botId'/));
    expect(problems).toContainEqual(expect.stringMatching(/bots\[0\]\.botId must be a GUID/));
  });

  it('when a scope is invalid, then the schema error points at it', async () => {
    const manifest = await substituted();
    botOf(manifest).scopes = ['personal', 'channel'];
    const problems = await validateManifest(manifest);
    expect(problems).toContainEqual(expect.stringMatching(/^schema: \/bots\/0\/scopes\/1 must be equal to one of the allowed values/));
  });

  it('lists every error, not only the first', async () => {
    const manifest = await substituted();
    botOf(manifest).scopes = ['channel'];
    manifest['accentColor'] = 'teal';
    delete manifest['developer'];
    const problems = await validateManifest(manifest);
    expect(problems.filter((p) => p.startsWith('schema: ')).length).toBeGreaterThanOrEqual(3);
    expect(problems.join('\n')).toMatch(/\/bots\/0\/scopes\/0/);
    expect(problems.join('\n')).toMatch(/\/accentColor/);
    expect(problems.join('\n')).toMatch(/required property 'developer'/);
  });

  it('when the bot id is not a GUID, then it says which variable to fix', async () => {
    const manifest = substitutePlaceholders(await readTemplate(), { ...localEnv, BOT_ID: 'my-bot' });
    expect(await validateManifest(manifest)).toContainEqual(expect.stringMatching(/BOT_ID.*"my-bot"/));
  });

  it('when $schema names a version that is not bundled, then it refuses instead of downloading', async () => {
    const manifest = await substituted();
    manifest['$schema'] = 'https://developer.microsoft.com/json-schemas/teams/v9.99/MicrosoftTeams.schema.json';
    await expect(validateManifest(manifest)).rejects.toThrow(/not bundled/);
    manifest['$schema'] = 'https://example.com/schema.json';
    await expect(validateManifest(manifest)).rejects.toThrow(/must have a "\$schema"/);
  });
});

describe('buildAppPackage', () => {
  it('writes exactly manifest.json and the two icons at the zip root', async () => {
    const color = await readFile(path.join(defaultAppDir, 'color.png'));
    const outline = await readFile(path.join(defaultAppDir, 'outline.png'));
    const zipBytes = await buildAppPackage({ manifest: await substituted(), files: { 'color.png': color, 'outline.png': outline } });
    const zip = await JSZip.loadAsync(zipBytes);
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifestText = await zip.file('manifest.json')!.async('string');
    expect(manifestText).not.toContain('${{');
    expect(await validateManifest(JSON.parse(manifestText) as JsonValue)).toEqual([]);
    expect(Buffer.from(await zip.file('color.png')!.async('uint8array')).equals(color)).toBe(true);
    expect(Buffer.from(await zip.file('outline.png')!.async('uint8array')).equals(outline)).toBe(true);
  });

  it('gives the same bytes for the same inputs', async () => {
    const input = { manifest: { a: 1 }, files: { 'x.png': Buffer.from([1, 2, 3]) } };
    expect((await buildAppPackage(input)).equals(await buildAppPackage(input))).toBe(true);
  });
});

describe('loadEnv', () => {
  it.each([
    ['env/.env.local', 'local'],
    ['env/.env.dev', 'dev'],
    ['env/.env.dev.user', 'dev'],
    ['/x/.env', 'default'],
    ['prod.env', 'prod'],
  ])('names the package after the env file: %s → %s', (file, name) => {
    expect(envNameFromFile(file)).toBe(name);
  });

  it('reads the env file and lets process.env override it', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.env.dev.user');
    await writeFile(file, '# comment\nBOT_ID=from-file\nAPP_NAME_SUFFIX=" (dev)"\nTEAMS_APP_ID=file-app\n');
    const env = await loadEnv({ envFile: file, processEnv: { TEAMS_APP_ID: 'from-process' } });
    expect(env.envName).toBe('dev');
    expect(env.file).toBe(file);
    expect(env.values).toMatchObject({ BOT_ID: 'from-file', APP_NAME_SUFFIX: ' (dev)', TEAMS_APP_ID: 'from-process' });
  });

  it('when no --env is given, then it reads the default file only if it exists', async () => {
    const dir = await tempDir();
    const missing = await loadEnv({ defaultFile: path.join(dir, '.env.local'), processEnv: { BOT_ID: 'p' } });
    expect(missing).toEqual({ envName: 'default', file: undefined, values: { BOT_ID: 'p' } });
    await writeFile(path.join(dir, '.env.local'), 'BOT_ID=f\n');
    const present = await loadEnv({ defaultFile: path.join(dir, '.env.local'), processEnv: {} });
    expect(present.envName).toBe('local');
    expect(present.values['BOT_ID']).toBe('f');
  });

  it('when the --env file does not exist, then it says so', async () => {
    await expect(loadEnv({ envFile: '/nonexistent/.env.x', processEnv: {} })).rejects.toThrow(/Env file not found: \/nonexistent\/\.env\.x/);
  });
});

describe('packageApp', () => {
  async function appDirWith(edit: (manifest: Manifest) => void): Promise<string> {
    const dir = await tempDir();
    const manifest = await readTemplate();
    edit(manifest);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    for (const icon of ['color.png', 'outline.png']) await copyFile(path.join(defaultAppDir, icon), path.join(dir, icon));
    return dir;
  }

  it('writes build/appPackage.<env>.zip from the app folder and the env file', async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, '.env.test');
    await writeFile(envFile, Object.entries(localEnv).map(([k, v]) => `${k}="${v}"`).join('\n'));
    const result = await packageApp({ appDir: defaultAppDir, outDir: path.join(dir, 'out'), envFile, processEnv: {} });
    expect(result.zipPath).toBe(path.join(dir, 'out', 'appPackage.test.zip'));
    expect(result.manifest.version).toBe('1.0.0');
    const zip = await JSZip.loadAsync(await readFile(result.zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  });

  it('when the manifest breaks the schema, then it fails listing the schema errors and writes nothing', async () => {
    const appDir = await appDirWith((manifest) => {
      const bot = botOf(manifest);
      delete bot.botId;
      bot.scopes = ['personal', 'everywhere'];
    });
    const outDir = path.join(await tempDir(), 'out');
    const failure = packageApp({ appDir, outDir, defaultEnvFile: '/nonexistent', processEnv: localEnv });
    await expect(failure).rejects.toBeInstanceOf(PackageError);
    const error = (await failure.catch((e: unknown) => e)) as PackageError;
    expect(error.summary).toMatch(/is not a valid Teams manifest/);
    expect(error.problems).toContainEqual(expect.stringMatching(/required property 'botId'/));
    expect(error.problems).toContainEqual(expect.stringMatching(/\/bots\/0\/scopes\/1/));
    await expect(readFile(path.join(outDir, 'appPackage.default.zip'))).rejects.toThrow(/ENOENT/);
  });

  it('when no env file exists and a variable is missing, then the error names it and the missing file', async () => {
    const failure = packageApp({ outDir: await tempDir(), defaultEnvFile: '/nonexistent/.env.local', processEnv: { BOT_ID: localEnv.BOT_ID } });
    await expect(failure).rejects.toThrow(/not set: APP_NAME_SUFFIX, TEAMS_APP_ID \(no env file was loaded: .*\.env\.local does not exist/);
  });

  it('when an icon is missing, then it names the file', async () => {
    const appDir = await appDirWith((manifest) => {
      (manifest['icons'] as { color: string }).color = 'missing.png';
    });
    await expect(packageApp({ appDir, outDir: await tempDir(), processEnv: localEnv, defaultEnvFile: '/nonexistent' })).rejects.toThrow(
      /color icon missing\.png/,
    );
  });
});
