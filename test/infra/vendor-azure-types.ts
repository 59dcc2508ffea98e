/**
 * Regenerates test/infra/azure-resource-types.json from a checkout of Azure/bicep-types-az (the
 * resource types the Bicep compiler itself is built with: every type, API version, property,
 * read-only and required flag and allowed value). Kept: every API version of each resource type
 * infra/ declares (to tell which one is the newest stable), and the schema of the version each
 * `resource` uses, with every type reachable from it — the bicep-types format
 * (https://github.com/Azure/bicep-types/blob/main/src/bicep-types/src/types.ts), descriptions
 * dropped and `$ref`s renumbered into one table.
 *
 *   npx tsx test/infra/vendor-azure-types.ts <bicep-types-az checkout or git dir>
 *
 * It reads the checkout with git (`ls-tree`, `show` at HEAD), so a bare clone works too. Re-run it
 * after changing a type or API version in infra/; test/infra/resource-types.test.ts says when.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { declaredResources } from './azure-types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const VENDORED_TYPES = resolve(root, 'test/infra/azure-resource-types.json');

type Ref = { $ref: string };
type BicepType = { $type: string; [key: string]: unknown };

function main(checkout: string): void {
  const git = (...args: string[]) => execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const commit = git('rev-parse', 'HEAD').trim();
  const committed = git('show', '-s', '--format=%cI', 'HEAD').trim();
  const wanted = declaredResources((path) => readFileSync(resolve(root, path), 'utf8'));
  const namespaces = new Set(wanted.map((r) => r.type.split('/')[0]!.toLowerCase()));

  // generated/<area>/<namespace>/<api version>/types.json; a namespace can be spread over several areas.
  const files = git('ls-tree', '-r', '--name-only', 'HEAD', 'generated/').split('\n')
    .filter((path) => /^generated\/[^/]+\/[^/]+\/[^/]+\/types\.json$/.test(path) && namespaces.has(path.split('/')[2]!))
    .sort();
  const versions = new Map<string, Set<string>>(wanted.map((r) => [r.type.toLowerCase(), new Set<string>()]));
  const schemaFiles = new Map<string, { file: string; types: BicepType[]; index: number }>();
  for (const file of files) {
    const types = JSON.parse(git('show', `HEAD:${file}`)) as BicepType[];
    types.forEach((type, index) => {
      if (type.$type !== 'ResourceType') return;
      const [name, apiVersion] = String(type['name']).split('@') as [string, string];
      versions.get(name.toLowerCase())?.add(apiVersion);
      if (wanted.some((r) => r.type.toLowerCase() === name.toLowerCase() && r.apiVersion === apiVersion)) {
        schemaFiles.set(`${name.toLowerCase()}@${apiVersion}`, { file, types, index });
      }
    });
  }

  // One table of every type reachable from the resources used, refs renumbered into it.
  const table: BicepType[] = [];
  const placed = new Map<string, number>();
  const place = (file: string, types: BicepType[], index: number): number => {
    const key = `${file}#${index}`;
    const known = placed.get(key);
    if (known !== undefined) return known;
    const at = table.length;
    placed.set(key, at);
    table.push({ $type: 'placeholder' });
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === 'object') {
        const ref = (value as Ref).$ref;
        if (typeof ref === 'string') {
          if (!ref.startsWith('#/')) throw new Error(`${file}: a reference outside the file (${ref}) is not handled`);
          return { $ref: `#/${place(file, types, Number(ref.slice(2)))}` };
        }
        return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'description').map(([k, v]) => [k, rewrite(v)]));
      }
      return value;
    };
    table[at] = rewrite(types[index]) as BicepType;
    return at;
  };

  const resources: Record<string, { source: string; body: Ref }> = {};
  for (const { type, apiVersion } of wanted) {
    const key = `${type}@${apiVersion}`;
    const found = schemaFiles.get(`${type.toLowerCase()}@${apiVersion}`);
    if (!found) throw new Error(`${key} is not in this bicep-types-az checkout`);
    const resourceType = found.types[found.index]!;
    resources[key] = { source: found.file, body: { $ref: `#/${place(found.file, found.types, Number((resourceType['body'] as Ref).$ref.slice(2)))}` } };
  }

  const vendored = {
    source: { repository: 'https://github.com/Azure/bicep-types-az', commit, committed, regenerate: 'npx tsx test/infra/vendor-azure-types.ts <checkout>' },
    apiVersions: Object.fromEntries([...versions].map(([type, set]) => [wanted.find((r) => r.type.toLowerCase() === type)!.type, [...set].sort()])),
    resources,
    types: table,
  };
  // One type per line: small diffs when a schema changes.
  const lines = [
    '{',
    `  "source": ${JSON.stringify(vendored.source)},`,
    `  "apiVersions": ${JSON.stringify(vendored.apiVersions)},`,
    `  "resources": ${JSON.stringify(vendored.resources)},`,
    '  "types": [',
    table.map((type) => `    ${JSON.stringify(type)}`).join(',\n'),
    '  ]',
    '}',
    '',
  ];
  writeFileSync(VENDORED_TYPES, lines.join('\n'));
  console.log(`${Object.keys(resources).length} resource types (${table.length} types) from bicep-types-az ${commit} (${committed}) → ${VENDORED_TYPES}`);
}

const checkout = process.argv[2];
if (!checkout) {
  console.error('usage: npx tsx test/infra/vendor-azure-types.ts <bicep-types-az checkout or git dir>');
  process.exit(64);
}
main(checkout);
