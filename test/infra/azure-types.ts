/**
 * The templates in infra/ checked against Azure's published resource types (Azure/bicep-types-az,
 * vendored in azure-resource-types.json by vendor-azure-types.ts) the way the Bicep compiler checks
 * them: the type and API version exist, every property written exists and is not read-only,
 * required properties are there, literal values are allowed (enums, integer bounds, string
 * lengths), and a parameter passed straight to a property has a compatible type and @allowed list.
 * Most of Azure's "allowed values" are open enums — a union of the documented values and `string`,
 * so the compiler lets any string through — and a value the resource provider does not know fails
 * only when it deploys: a literal outside the documented values is a finding here unless
 * OPEN_ENUM_VALUES_ALLOWED names it. Every declaration is read — plain, conditional, `[for …]` loops
 * (one item's body) and `existing` references (type, API version, and only name/scope/parent) — and
 * a shape the reader does not know throws (bicep-reader.ts).
 * Expressions are not evaluated: a property whose value is computed is checked for its name only.
 * Flags as bicep-types defines them (src/bicep-types/src/types.ts, ObjectTypePropertyFlags).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBicepValue, readBicep, type BicepParam, type BicepValue, type DeclarationForm } from './bicep-reader.js';

export const FLAG_REQUIRED = 1;
export const FLAG_READ_ONLY = 2;

/** Keys of a `resource` body that are Bicep's own, not properties of the Azure type. */
const BICEP_RESOURCE_KEYWORDS = new Set(['scope', 'parent', 'dependsOn']);
/** Keys of a `module` body (https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules). */
const BICEP_MODULE_KEYWORDS = new Set(['name', 'params', 'scope', 'dependsOn']);
/** What Bicep reads of an `existing` resource (https://learn.microsoft.com/azure/azure-resource-manager/bicep/existing-resource). */
const EXISTING_RESOURCE_KEYS = new Set(['name', 'scope', 'parent']);

/**
 * Values outside an open enum's documented ones that a template may still use, each with why it is
 * known to deploy (the resource type's Azure page, or a provider that documents more than its
 * schema lists), as `type@apiVersion path` → values. Empty: today's templates use documented values only.
 */
export const OPEN_ENUM_VALUES_ALLOWED: Readonly<Record<string, readonly string[]>> = {};

export interface DeclaredResource {
  readonly file: string;
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly form: DeclarationForm;
  readonly body: string;
  readonly params: readonly BicepParam[];
}

export interface DeclaredModule {
  readonly file: string;
  readonly symbol: string;
  readonly path: string;
  readonly form: Exclude<DeclarationForm, 'existing'>;
  readonly body: string;
}

type Read = (path: string) => string;
const root = fileURLToPath(new URL('../../', import.meta.url));
export const readFromProject: Read = (path) => readFileSync(join(root, path), 'utf8');

/** Every file infra/azure.bicep deploys, itself first, then its modules (project-relative paths). */
export function templateFiles(read: Read = readFromProject, file = 'infra/azure.bicep'): string[] {
  const modules = readBicep(read(file)).modules.map((m) => normalize(join(dirname(file), m.path)));
  return [file, ...modules.flatMap((module) => templateFiles(read, module))];
}

export function declaredResources(read: Read = readFromProject): DeclaredResource[] {
  return templateFiles(read).flatMap((file) => {
    const bicep = readBicep(read(file));
    return bicep.resources.map((r) => ({ file, symbol: r.symbol, type: r.type, apiVersion: r.apiVersion, form: r.form, body: r.body, params: bicep.params }));
  });
}

export function declaredModules(read: Read = readFromProject): DeclaredModule[] {
  return templateFiles(read).flatMap((file) => readBicep(read(file)).modules.map((m) => ({ file, symbol: m.symbol, path: m.path, form: m.form, body: m.body })));
}

// ----------------------------------------------------------------- vendored types
type Ref = { readonly $ref: string };
interface Property { readonly type: Ref; readonly flags: number }
type AzureType =
  | { readonly $type: 'ObjectType'; readonly name: string; readonly properties: Readonly<Record<string, Property>>; readonly additionalProperties?: Ref }
  | { readonly $type: 'DiscriminatedObjectType'; readonly name: string; readonly discriminator: string; readonly baseProperties: Readonly<Record<string, Property>>; readonly elements: Readonly<Record<string, Ref>> }
  | { readonly $type: 'UnionType'; readonly elements: readonly Ref[] }
  | { readonly $type: 'StringLiteralType'; readonly value: string }
  | { readonly $type: 'StringType'; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string }
  | { readonly $type: 'IntegerType'; readonly minValue?: number; readonly maxValue?: number }
  | { readonly $type: 'BooleanType' | 'AnyType' | 'NullType' }
  | { readonly $type: 'ArrayType'; readonly itemType: Ref; readonly minLength?: number; readonly maxLength?: number };

export interface VendoredTypes {
  readonly source: { readonly repository: string; readonly commit: string; readonly committed: string };
  /** Every API version of each declared type in that snapshot. */
  readonly apiVersions: Readonly<Record<string, readonly string[]>>;
  /** `type@apiVersion` → the body type of that resource. */
  readonly resources: Readonly<Record<string, { readonly source: string; readonly body: Ref }>>;
  readonly types: readonly AzureType[];
}

export function loadVendoredTypes(): VendoredTypes {
  return JSON.parse(readFromProject('test/infra/azure-resource-types.json')) as VendoredTypes;
}

/** The newest API version without a -preview suffix. */
export function newestStable(versions: readonly string[]): string | undefined {
  return versions.filter((v) => !/preview/i.test(v)).sort().at(-1);
}

// ----------------------------------------------------------------- the check
export interface Finding {
  readonly where: string;
  readonly path: string;
  readonly problem: string;
}

export function checkResource(resource: DeclaredResource, vendored: VendoredTypes): Finding[] {
  const where = `${resource.file} ${resource.symbol} (${resource.type}@${resource.apiVersion})`;
  const findings: Finding[] = [];
  const find = (path: string, problem: string): void => {
    findings.push({ where, path, problem });
  };
  const versions = Object.entries(vendored.apiVersions).find(([type]) => type.toLowerCase() === resource.type.toLowerCase())?.[1];
  if (!versions) return [{ where, path: '', problem: `type ${resource.type} is not vendored: run test/infra/vendor-azure-types.ts` }];
  if (!versions.includes(resource.apiVersion)) return [{ where, path: '', problem: `API version ${resource.apiVersion} does not exist (known: ${versions.join(', ')})` }];
  const stable = newestStable(versions);
  if (resource.apiVersion !== stable) find('', `API version ${resource.apiVersion} is not the newest stable one (${stable})`);
  const schema = vendored.resources[`${resource.type}@${resource.apiVersion}`];
  if (!schema) return [...findings, { where, path: '', problem: 'this API version is not vendored: run test/infra/vendor-azure-types.ts' }];

  const params = new Map(resource.params.map((p) => [p.name, p]));
  const typeAt = (ref: Ref): AzureType => vendored.types[Number(ref.$ref.slice(2))]!;
  const body = parseBicepValue(resource.body);
  if (body.kind !== 'object') return [{ where, path: '', problem: 'the resource body is not an object' }];
  if (resource.form === 'existing') {
    for (const { key } of body.entries) if (!EXISTING_RESOURCE_KEYS.has(key)) find(key, 'an existing resource is only referenced: Bicep reads its name, scope and parent, nothing else');
    if (!body.entries.some((e) => e.key === 'name')) find('name', 'required property missing');
    return findings;
  }
  const top: BicepValue = { kind: 'object', entries: body.entries.filter((e) => !BICEP_RESOURCE_KEYWORDS.has(e.key)) };
  check(top, typeAt(schema.body), '');
  return findings;

  function check(value: BicepValue, type: AzureType, path: string): void {
    if (value.kind === 'expression') return checkParameter(value.text, type, path);
    switch (type.$type) {
      case 'AnyType':
        return;
      case 'ObjectType':
        return checkObject(value, type.properties, type.additionalProperties, path);
      case 'DiscriminatedObjectType': {
        if (value.kind !== 'object') return find(path, `expected an object, found ${value.kind}`);
        const tag = value.entries.find((e) => e.key === type.discriminator)?.value;
        if (!tag) return find(join2(path, type.discriminator), 'required property missing (the discriminator)');
        if (tag.kind !== 'string' || tag.interpolated) return checkObject(value, type.baseProperties, undefined, path, true);
        const element = type.elements[tag.value] ?? Object.entries(type.elements).find(([k]) => k.toLowerCase() === tag.value.toLowerCase())?.[1];
        if (!element) return find(join2(path, type.discriminator), `'${tag.value}' is not allowed (allowed: ${Object.keys(type.elements).join(', ')})`);
        const variant = typeAt(element);
        if (variant.$type !== 'ObjectType') return find(path, `unexpected variant type ${variant.$type}`);
        return checkObject(value, { ...type.baseProperties, ...variant.properties }, variant.additionalProperties, path);
      }
      case 'UnionType': {
        const members = type.elements.map(typeAt);
        const literals = members.filter((m): m is Extract<AzureType, { $type: 'StringLiteralType' }> => m.$type === 'StringLiteralType').map((m) => m.value);
        if (value.kind === 'string' && literals.length > 0 && !value.interpolated) {
          if (literals.includes(value.value)) return;
          if (!members.some((m) => m.$type === 'StringType')) return find(path, `'${value.value}' is not allowed (allowed: ${literals.join(', ')})`);
          // An open enum: the compiler lets any string through, the resource provider does not.
          if (OPEN_ENUM_VALUES_ALLOWED[`${resource.type}@${resource.apiVersion} ${path}`]?.includes(value.value)) return;
          return find(path, `'${value.value}' is not one of Azure's documented values (${literals.join(', ')}); the compiler lets it through, the resource provider may refuse it at deploy time`);
        }
        // Any member the value fits is enough.
        const attempts = members.map((member) => {
          const before = findings.length;
          check(value, member, path);
          return findings.splice(before);
        });
        if (attempts.some((a) => a.length === 0)) return;
        findings.push(...attempts[0]!);
        return;
      }
      case 'StringLiteralType':
        if (value.kind === 'string' && !value.interpolated && value.value !== type.value) find(path, `'${value.value}' is not allowed (allowed: ${type.value})`);
        else if (value.kind !== 'string') find(path, `expected the string '${type.value}', found ${value.kind}`);
        return;
      case 'StringType':
        if (value.kind !== 'string') return find(path, `expected a string, found ${value.kind}`);
        if (value.interpolated) return;
        if (type.minLength !== undefined && value.value.length < type.minLength) find(path, `'${value.value}' is shorter than ${type.minLength}`);
        if (type.maxLength !== undefined && value.value.length > type.maxLength) find(path, `'${value.value}' is longer than ${type.maxLength}`);
        if (type.pattern !== undefined && !new RegExp(type.pattern).test(value.value)) find(path, `'${value.value}' does not match ${type.pattern}`);
        return;
      case 'IntegerType':
        if (value.kind !== 'int') return find(path, `expected an integer, found ${value.kind}`);
        if (type.minValue !== undefined && value.value < type.minValue) find(path, `${value.value} is below ${type.minValue}`);
        if (type.maxValue !== undefined && value.value > type.maxValue) find(path, `${value.value} is above ${type.maxValue}`);
        return;
      case 'BooleanType':
        if (value.kind !== 'bool') find(path, `expected true or false, found ${value.kind}`);
        return;
      case 'NullType':
        if (value.kind !== 'null') find(path, `expected null, found ${value.kind}`);
        return;
      case 'ArrayType':
        if (value.kind !== 'array') return find(path, `expected an array, found ${value.kind}`);
        if (type.minLength !== undefined && value.items.length < type.minLength) find(path, `fewer than ${type.minLength} items`);
        if (type.maxLength !== undefined && value.items.length > type.maxLength) find(path, `more than ${type.maxLength} items`);
        value.items.forEach((item, i) => check(item, typeAt(type.itemType), `${path}[${i}]`));
        return;
    }
  }

  function checkObject(value: BicepValue, properties: Readonly<Record<string, Property>>, additional: Ref | undefined, path: string, partial = false): void {
    if (value.kind !== 'object') return find(path, `expected an object, found ${value.kind}`);
    for (const { key, value: inner } of value.entries) {
      const property = properties[key] ?? Object.entries(properties).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
      if (property) {
        if (property.flags & FLAG_READ_ONLY) find(join2(path, key), 'read-only: Azure sets it, a template cannot');
        else check(inner, typeAt(property.type), join2(path, key));
      } else if (additional) {
        check(inner, typeAt(additional), join2(path, key));
      } else if (!partial) {
        find(join2(path, key), `no such property (known: ${Object.keys(properties).filter((name) => !(properties[name]!.flags & FLAG_READ_ONLY)).join(', ')})`);
      }
    }
    if (partial) return;
    for (const [name, property] of Object.entries(properties)) {
      if ((property.flags & FLAG_REQUIRED) && !value.entries.some((e) => e.key.toLowerCase() === name.toLowerCase())) find(join2(path, name), 'required property missing');
    }
  }

  /** A parameter passed straight through: its declared type and @allowed values against the property's type. */
  function checkParameter(expression: string, type: AzureType, path: string): void {
    const param = params.get(expression);
    if (!param) return;
    const allowed = param.decorators.get('allowed');
    const literals = allowed ? [...allowed.matchAll(/'([^']*)'/g)].map((m) => m[1]!) : [];
    const expected: Record<string, AzureType['$type'][]> = {
      string: ['StringType', 'StringLiteralType', 'UnionType', 'AnyType'],
      int: ['IntegerType', 'AnyType'],
      bool: ['BooleanType', 'AnyType'],
      object: ['ObjectType', 'DiscriminatedObjectType', 'AnyType'],
      array: ['ArrayType', 'AnyType'],
    };
    if (expected[param.type] && !expected[param.type]!.includes(type.$type)) find(path, `parameter ${param.name} is ${param.type}, the property is ${type.$type}`);
    for (const literal of literals) check({ kind: 'string', value: literal, interpolated: false }, type, `${path} (@allowed '${literal}' of ${param.name})`);
  }
}

/** A module call: only Bicep's module keywords, the file exists, every parameter declared, every required one given. */
export function checkModule(module: DeclaredModule, read: Read = readFromProject): Finding[] {
  const where = `${module.file} module ${module.symbol} (${module.path})`;
  const body = parseBicepValue(module.body);
  if (body.kind !== 'object') return [{ where, path: '', problem: 'the module body is not an object' }];
  const findings: Finding[] = [];
  for (const { key } of body.entries) if (!BICEP_MODULE_KEYWORDS.has(key)) findings.push({ where, path: key, problem: 'not a module keyword (name, params, scope, dependsOn)' });
  let target;
  try {
    target = readBicep(read(normalize(join(dirname(module.file), module.path))));
  } catch {
    return [...findings, { where, path: '', problem: 'the module file does not exist' }];
  }
  const given = body.entries.find((e) => e.key === 'params')?.value;
  const names = given?.kind === 'object' ? given.entries.map((e) => e.key) : [];
  const declared = new Set(target.params.map((p) => p.name));
  for (const name of names) if (!declared.has(name)) findings.push({ where, path: `params.${name}`, problem: 'the module declares no such parameter' });
  for (const param of target.params) if (param.defaultValue === undefined && !names.includes(param.name)) findings.push({ where, path: `params.${param.name}`, problem: 'required parameter not given' });
  return findings;
}

/** ARM's checks of a parameter's decorators before it deploys anything (@minLength, @maxLength, @minValue, @maxValue, @allowed). */
export function parameterViolations(params: readonly BicepParam[], values: ReadonlyMap<string, unknown>): string[] {
  const violations: string[] = [];
  for (const param of params) {
    if (!values.has(param.name)) continue;
    const value = values.get(param.name);
    const number = (name: string) => (param.decorators.has(name) ? Number(param.decorators.get(name)) : undefined);
    const [minLength, maxLength, minValue, maxValue] = [number('minLength'), number('maxLength'), number('minValue'), number('maxValue')];
    const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    if (length !== undefined && minLength !== undefined && length < minLength) violations.push(`${param.name}: length ${length} is below @minLength(${minLength})`);
    if (length !== undefined && maxLength !== undefined && length > maxLength) violations.push(`${param.name}: length ${length} is above @maxLength(${maxLength})`);
    if (typeof value === 'number' && minValue !== undefined && value < minValue) violations.push(`${param.name}: ${value} is below @minValue(${minValue})`);
    if (typeof value === 'number' && maxValue !== undefined && value > maxValue) violations.push(`${param.name}: ${value} is above @maxValue(${maxValue})`);
    const allowed = param.decorators.get('allowed');
    if (allowed) {
      const literals = [...allowed.matchAll(/'([^']*)'|(-?\d+)/g)].map((m) => m[1] ?? Number(m[2]));
      if (!literals.includes(value as string | number)) violations.push(`${param.name}: ${JSON.stringify(value)} is not @allowed (${literals.join(', ')})`);
    }
  }
  return violations;
}

function join2(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
