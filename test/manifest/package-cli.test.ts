import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAppDir, defaultOutDir, repoRoot, validateManifest, type JsonValue } from '../../scripts/package-app.js';

const run = promisify(execFile);
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');

/** The child sees neither the test runner's nor the developer's values for our placeholders. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'APP_NAME_SUFFIX']) delete env[name];
  return env;
}

async function packageCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['scripts/package-app.ts', ...args], { cwd: repoRoot, env: childEnv(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'onboarding-package-cli-'));
  tempDirs.push(dir);
  return dir;
}

describe('npm run package (scripts/package-app.ts as a process)', () => {
  it('with the committed env/.env.local, writes build/appPackage/appPackage.local.zip and says so in one line', async () => {
    const result = await packageCli([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const zipPath = path.join(defaultOutDir, 'appPackage.local.zip');
    expect(result.stdout.trim().split('\n')).toEqual([
      `Wrote ${path.relative(repoRoot, zipPath)} (app version 1.0.0, manifest schema 1.22, env local)`,
    ]);
    expect((await stat(zipPath)).size).toBeGreaterThan(0);
    const zip = await JSZip.loadAsync(await readFile(zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifestText = await zip.file('manifest.json')!.async('string');
    expect(manifestText).not.toContain('${{');
    const manifest = JSON.parse(manifestText) as { bots: { botId: string }[] } & JsonValue;
    expect(manifest.bots[0]?.botId).toBe('00000000-0000-4000-8000-0000000b0701');
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('with --env naming a file that lacks a variable, exits 1 naming the variable', async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, '.env.ci');
    await writeFile(envFile, 'TEAMS_APP_ID=00000000-0000-4000-8000-0000000a0701\nAPP_NAME_SUFFIX=\n');
    const result = await packageCli(['--env', envFile, '--out', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not set: BOT_ID/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });

  it('with an invalid manifest, exits 1 and prints every schema error', async () => {
    const dir = await tempDir();
    const manifest = JSON.parse(await readFile(path.join(defaultAppDir, 'manifest.json'), 'utf8')) as {
      bots: { botId?: string; scopes: string[] }[];
      accentColor: string;
    };
    delete manifest.bots[0]!.botId;
    manifest.bots[0]!.scopes = ['personal', 'channel'];
    manifest.accentColor = 'teal';
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    for (const icon of ['color.png', 'outline.png']) await copyFile(path.join(defaultAppDir, icon), path.join(dir, icon));
    const result = await packageCli(['--dir', dir, '--out', path.join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not a valid Teams manifest/);
    expect(result.stderr).toMatch(/ - schema: \/bots\/0 must have required property 'botId'/);
    expect(result.stderr).toMatch(/ - schema: \/bots\/0\/scopes\/1 must be equal to one of the allowed values/);
    expect(result.stderr).toMatch(/ - schema: \/accentColor must match pattern/);
    await expect(stat(path.join(dir, 'out'))).rejects.toThrow(/ENOENT/);
  });

  it('with an unknown option, exits 1 with a one-line message', async () => {
    const result = await packageCli(['--bogus']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^package: Unknown option '--bogus'/);
  });
});
