/**
 * What `atk provision` gives the web app: the app settings infra/azure.bicep declares, with the
 * template's parameters as the Agents Toolkit's arm/deploy passes them — infra/azure.parameters.json
 * with every `${{NAME}}` replaced by that variable of env/.env.{env} (m365agents.yml: "${{…}}
 * placeholders are replaced with environment variables before deployment"), the template's
 * defaults for the rest — and each reference to a deployed resource's property
 * (`identity.properties.clientId`, …) replaced by what the caller says that resource answers.
 * No Bicep compiler runs here: only the expression shapes the settings use are evaluated (a
 * string literal, a parameter, a resource property), and anything else is refused by name.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { appSettingsOf, parseBicepValue, readBicep, type BicepFile } from './bicep-reader.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

export const MAIN_TEMPLATE = 'infra/azure.bicep';
export const PARAMETERS_FILE = 'infra/azure.parameters.json';

export function mainTemplate(): BicepFile {
  return readBicep(read(MAIN_TEMPLATE));
}

/** env/.env.dev.sample as a copy becomes env/.env.dev: the sample's values, then what the admin filled in. */
export function devEnvironment(filledIn: Record<string, string>): Record<string, string> {
  return { ...parseEnv(read('env/.env.dev.sample')) as Record<string, string>, ...filledIn };
}

/** Every parameter's value as arm/deploy passes it (parameters file first, then the template's default). */
export function toolkitParameters(template: BicepFile, environment: Readonly<Record<string, string>>): Map<string, unknown> {
  const file = JSON.parse(read(PARAMETERS_FILE)) as { parameters: Record<string, { value: unknown }> };
  const substitute = (value: unknown): unknown => typeof value !== 'string' ? value : value.replace(/\$\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => {
    const given = environment[name];
    if (given === undefined) throw new Error(`${PARAMETERS_FILE} uses \${{${name}}}, which the environment file does not declare`);
    return given;
  });
  const values = new Map<string, unknown>();
  for (const param of template.params) {
    const given = file.parameters[param.name];
    if (given) values.set(param.name, substitute(given.value));
  }
  for (const param of template.params) {
    if (values.has(param.name) || param.defaultValue === undefined) continue;
    const literal = /^'([^'$]*)'$/.exec(param.defaultValue) ?? /^(\d+|true|false)$/.exec(param.defaultValue);
    if (literal) values.set(param.name, literal[1] === 'true' ? true : literal[1] === 'false' ? false : /^\d+$/.test(literal[1]!) ? Number(literal[1]) : literal[1]);
    // A default that is another parameter; other expressions (toLower(…), resourceGroup()…) stay unevaluated.
    else if (values.has(param.defaultValue)) values.set(param.name, values.get(param.defaultValue));
  }
  return values;
}

/**
 * The web app's settings after provisioning, each expression evaluated: `resources` says what a
 * deployed resource's property is (`'identity.properties.clientId': '…'`). Throws, naming the
 * setting, for an expression it cannot evaluate.
 */
export function deployedAppSettings(environment: Readonly<Record<string, string>>, resources: Readonly<Record<string, string>>): Record<string, string> {
  const template = mainTemplate();
  const webApp = template.resources.find((resource) => resource.type === 'Microsoft.Web/sites');
  if (!webApp) throw new Error(`${MAIN_TEMPLATE} declares no Microsoft.Web/sites`);
  const params = toolkitParameters(template, environment);
  const settings: Record<string, string> = {};
  for (const [name, expression] of appSettingsOf(webApp.body)) {
    const literal = /^'([^'$]*)'$/.exec(expression);
    if (literal) settings[name] = literal[1]!;
    else if (expression in resources) settings[name] = resources[expression]!;
    else if (params.has(expression)) settings[name] = String(params.get(expression));
    else throw new Error(`app setting ${name} = ${expression}: no value for this expression (a literal, a parameter, or one of ${Object.keys(resources).join(', ')})`);
  }
  return settings;
}

/**
 * The identities infra/azure.bicep attaches to the web app (`identity: { type, userAssignedIdentities }`):
 * whether it has a system-assigned one, and each user-assigned one's client id — `'${X.id}': {}` names
 * the identity resource X, whose client id is what `resources` says `X.properties.clientId` is.
 * Throws for a key of another shape or an identity `resources` does not answer.
 */
export function siteIdentities(resources: Readonly<Record<string, string>>): { systemAssigned: boolean; userAssigned: string[] } {
  const webApp = mainTemplate().resources.find((resource) => resource.type === 'Microsoft.Web/sites');
  if (!webApp) throw new Error(`${MAIN_TEMPLATE} declares no Microsoft.Web/sites`);
  const identity = parseBicepValue(webApp.body);
  const block = identity.kind === 'object' ? identity.entries.find((entry) => entry.key === 'identity')?.value : undefined;
  if (block?.kind !== 'object') return { systemAssigned: false, userAssigned: [] };
  const type = block.entries.find((entry) => entry.key === 'type')?.value;
  if (type?.kind !== 'string' || type.interpolated) throw new Error(`${MAIN_TEMPLATE}: the web app's identity type is not a literal`);
  const attached = block.entries.find((entry) => entry.key === 'userAssignedIdentities')?.value;
  const userAssigned = (attached?.kind === 'object' ? attached.entries : []).map(({ key }) => {
    const symbol = /^\$\{(\w+)\.id\}$/.exec(key)?.[1];
    const clientId = symbol ? resources[`${symbol}.properties.clientId`] : undefined;
    if (!clientId) throw new Error(`${MAIN_TEMPLATE}: no client id for the web app's user-assigned identity '${key}' (give ${symbol ?? key}.properties.clientId)`);
    return clientId;
  });
  return { systemAssigned: /SystemAssigned/.test(type.value), userAssigned };
}

/**
 * What the plan's `capacity` comes to for an App Service SKU and instance count, evaluating the one
 * shape the template uses for it (read from the file, so a change of shape fails loudly here):
 *   var webAppCapacity = webAppInstanceCount <= maxInstancesBySku[webAppSKU] ? webAppInstanceCount : fail('…')
 * `fail` is Bicep's own (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-flow-control):
 * the deployment stops with its message. Returns the capacity, or the message the deployment fails with.
 */
export function planCapacity(template: BicepFile, sku: string, instanceCount: number): { capacity: number } | { failure: string } {
  const plan = template.resources.find((resource) => resource.type === 'Microsoft.Web/serverfarms');
  const capacity = plan && /\n\s*capacity:\s*(\w+)\s*\n/.exec(plan.body)?.[1];
  if (!capacity) throw new Error(`${MAIN_TEMPLATE}: the plan's capacity is not a variable (expected capacity: webAppCapacity)`);
  const definition = new RegExp(`^var ${capacity} = (.+)$`, 'm').exec(template.code)?.[1]?.trim() ?? '';
  const shape = /^webAppInstanceCount <= maxInstancesBySku\[webAppSKU\] \? webAppInstanceCount : fail\('((?:[^'\\]|\\.)*)'\)$/.exec(definition);
  if (!shape) throw new Error(`${MAIN_TEMPLATE}: var ${capacity} = ${definition} is not the shape this test evaluates`);
  const table = /^var maxInstancesBySku = (\{[\s\S]*?\n\})/m.exec(template.code)?.[1] ?? '';
  const max = Number(new RegExp(`^\\s*'?${sku}'?:\\s*(\\d+)`, 'm').exec(table)?.[1]);
  if (!Number.isInteger(max)) throw new Error(`${MAIN_TEMPLATE}: maxInstancesBySku has no ${sku}`);
  if (instanceCount <= max) return { capacity: instanceCount };
  const values: Record<string, string> = { webAppInstanceCount: String(instanceCount), webAppSKU: sku, 'maxInstancesBySku[webAppSKU]': String(max) };
  return {
    failure: shape[1]!.replace(/\$\{([^}]+)\}/g, (_m, expression: string) => {
      const value = values[expression.trim()];
      if (value === undefined) throw new Error(`fail message: \${${expression}} is not evaluated here`);
      return value;
    }),
  };
}
