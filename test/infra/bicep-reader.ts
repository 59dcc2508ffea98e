/**
 * A reader for the small subset of Bicep that infra/ uses — no Bicep compiler runs here.
 * It finds top-level declarations (param, var, resource, module, output) by their line
 * shape, the `params: { … }` of a module and the `appSettings: [ … ]` of a web app, and the
 * symbols an expression refers to. It does NOT type-check, resolve API versions or property
 * names against Azure's schemas, or evaluate expressions: `az bicep build` (or the toolkit's
 * arm/deploy) is still the judge of that.
 */
export interface BicepParam {
  readonly name: string;
  readonly type: string;
  /** The default expression as written, or undefined when the caller must give a value. */
  readonly defaultValue: string | undefined;
}

export interface BicepResource {
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  /** The resource's body, from its opening brace to the matching closing one. */
  readonly body: string;
}

export interface BicepModule {
  readonly symbol: string;
  readonly path: string;
  /** Names given in `params: { name: expression }`. */
  readonly params: ReadonlyMap<string, string>;
}

export interface BicepFile {
  readonly params: readonly BicepParam[];
  readonly vars: readonly string[];
  readonly resources: readonly BicepResource[];
  readonly modules: readonly BicepModule[];
  readonly outputs: ReadonlyMap<string, string>;
  /** The text without comments, for reference checks. */
  readonly code: string;
}

export function withoutComments(source: string): string {
  // `//` inside a string ('https://…') is not a comment: strings are skipped first.
  return source.replace(/('(?:[^'\\]|\\.)*')|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, text: string | undefined) => text ?? '');
}

/** The text from the brace or bracket at `openAt` to its partner (strings skipped). */
export function balanced(code: string, openAt: number): string {
  const open = code[openAt];
  const close = open === '{' ? '}' : open === '[' ? ']' : undefined;
  if (!close) throw new Error(`no brace or bracket at ${openAt}`);
  let depth = 0;
  let inString = false;
  for (let i = openAt; i < code.length; i += 1) {
    const c = code[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === "'") inString = false;
      continue;
    }
    if (c === "'") inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return code.slice(openAt, i + 1);
    }
  }
  throw new Error(`unbalanced ${open} at ${openAt}`);
}

/** `name: value` pairs at the first level of an object body `{ … }` (values as written, one line each). */
export function topLevelEntries(objectBody: string): Map<string, string> {
  const entries = new Map<string, string>();
  const inner = objectBody.slice(1, -1);
  let depth = 0;
  for (const line of inner.split('\n')) {
    const match = depth === 0 ? /^\s*'?([A-Za-z_$][\w$-]*)'?\s*:\s*(.*)$/.exec(line) : null;
    if (match) entries.set(match[1]!, match[2]!.trim());
    for (const c of line.replace(/'(?:[^'\\]|\\.)*'/g, '')) {
      if (c === '{' || c === '[') depth += 1;
      if (c === '}' || c === ']') depth -= 1;
    }
  }
  return entries;
}

export function readBicep(source: string): BicepFile {
  const code = withoutComments(source);
  const params: BicepParam[] = [];
  const vars: string[] = [];
  const resources: BicepResource[] = [];
  const modules: BicepModule[] = [];
  const outputs = new Map<string, string>();

  for (const m of code.matchAll(/^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/gm)) {
    params.push({ name: m[1]!, type: m[2]!, defaultValue: m[3]?.trim() });
  }
  for (const m of code.matchAll(/^var\s+(\w+)\s*=/gm)) vars.push(m[1]!);
  for (const m of code.matchAll(/^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*=\s*(?:if\s*\([^\n]*\)\s*)?\{/gm)) {
    resources.push({ symbol: m[1]!, type: m[2]!, apiVersion: m[3]!, body: balanced(code, m.index + m[0].length - 1) });
  }
  for (const m of code.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*\{/gm)) {
    const body = balanced(code, m.index + m[0].length - 1);
    const paramsAt = /\n\s*params:\s*\{/.exec(body);
    const paramsBody = paramsAt ? balanced(body, paramsAt.index + paramsAt[0].length - 1) : '{}';
    modules.push({ symbol: m[1]!, path: m[2]!, params: topLevelEntries(paramsBody) });
  }
  for (const m of code.matchAll(/^output\s+(\w+)\s+\w+\s*=\s*(.+)$/gm)) outputs.set(m[1]!, m[2]!.trim());
  return { params, vars, resources, modules, outputs, code };
}

/** The `{ name, value }` app settings of a resource body (a web app's siteConfig.appSettings). */
export function appSettingsOf(resourceBody: string): Map<string, string> {
  const at = /appSettings:\s*\[/.exec(resourceBody);
  if (!at) return new Map();
  const list = balanced(resourceBody, at.index + at[0].length - 1);
  const settings = new Map<string, string>();
  for (const m of list.matchAll(/\{\s*name:\s*'([^']+)'\s*value:\s*([^\n]+?)\s*\}/g)) settings.set(m[1]!, m[2]!);
  return settings;
}

/** Symbols an expression dereferences: `identity` in `identity.properties.clientId`, `x` in `parent: x`. */
export function referencedSymbols(code: string): Set<string> {
  const withoutStrings = code.replace(/'(?:[^'\\$]|\\.|\$(?!\{))*'/g, "''");
  const symbols = new Set<string>();
  for (const m of withoutStrings.matchAll(/(?<![\w.'])([A-Za-z_]\w*)\.(?:properties|id|name|outputs)\b/g)) symbols.add(m[1]!);
  for (const m of withoutStrings.matchAll(/^\s*(?:parent|scope):\s*(\w+)\s*$/gm)) symbols.add(m[1]!);
  return symbols;
}
