/**
 * The production build (`npm run build`, `npm run serve` = node dist/index.js) installs with
 * `npm ci --omit=dev`: every package the compiled code imports must be a dependency, and the
 * dev tools (tsx, vitest, …) must not be.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string }; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** Packages a file imports at run time (type-only imports vanish in the build). */
function runtimeImports(source: string): string[] {
  const specifiers = [...source.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm), ...source.matchAll(/^\s*import\s+'([^']+)'/gm)]
    .map((match) => match[match.length - 1]!);
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!));
}

describe('the production build\'s dependencies', () => {
  it('when the compiled bot imports a package, then that package is a dependency (installed without dev tools)', () => {
    const imported = new Set(sourceFiles(join(root, 'src')).flatMap((file) => runtimeImports(readFileSync(file, 'utf8'))));
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter((name) => !(name in manifest.dependencies)).sort();
    expect(missing).toEqual([]);
  });

  it('when the bot is served, then it runs compiled JavaScript with node, and no TypeScript runner is a run-time dependency', () => {
    expect(manifest.scripts['serve']).toBe('node dist/index.js');
    expect(manifest.scripts['build']).toMatch(/tsc -p tsconfig\.build\.json/);
    for (const tool of ['tsx', 'typescript', 'vitest', 'azurite']) expect(Object.keys(manifest.dependencies)).not.toContain(tool);
    expect(Object.keys(manifest.devDependencies)).toContain('tsx');
  });

  it('when the bot is installed for production on the oldest Node the project supports, then no package it installs asks for a newer Node', () => {
    const oldest = semver.minVersion(manifest.engines.node)!.version;
    expect(oldest).toMatch(/^20\./);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }> };
    const production = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.dev);
    expect(production.length).toBeGreaterThan(100);
    const tooNew = production
      .filter(([, entry]) => !Array.isArray(entry.engines) && typeof entry.engines?.node === 'string' && !semver.satisfies(oldest, entry.engines.node))
      .map(([path, entry]) => `${path} needs node ${(entry.engines as { node: string }).node}`);
    expect(tooNew).toEqual([]);
  });
});
