/**
 * A reader for the small subset of Bicep that infra/ uses — no Bicep compiler runs here.
 * It finds top-level declarations (param with its decorators, var, resource, module, output) by
 * their line shape, the `params: { … }` of a module and the `appSettings: [ … ]` of a web app, the
 * symbols an expression refers to, and a value's shape (objects, arrays, literals; the rest kept as
 * expression text) for azure-types.ts to check against Azure's resource types. It does NOT
 * evaluate expressions or type-check them: `az bicep build` (or the toolkit's arm/deploy) is still
 * the judge of that. A `resource` or `module` line of a shape it does not read (a nested child
 * resource, a body that is an expression) throws, naming the line: a declaration it skipped would
 * otherwise be missing from every check that reports "all checked".
 */
export interface BicepParam {
  readonly name: string;
  readonly type: string;
  /** The default expression as written, or undefined when the caller must give a value. */
  readonly defaultValue: string | undefined;
  /** Its decorators by name, each argument as written: `minLength` → '4', `allowed` → "[ 'a' 'b' ]". */
  readonly decorators: ReadonlyMap<string, string>;
}

/**
 * How a declaration is written (https://learn.microsoft.com/azure/azure-resource-manager/bicep/resource-declaration):
 * `= {` plain, `= if (…) {` conditional, `= [for … in …: {` (optionally `: if (…) {`) a loop, one body
 * for every item (…/bicep/loops), and — resources only — `existing = {`, a reference to a resource
 * deployed elsewhere (…/bicep/existing-resource).
 */
export type DeclarationForm = 'plain' | 'conditional' | 'loop' | 'existing';

export interface BicepResource {
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly form: DeclarationForm;
  /** The resource's body, from its opening brace to the matching closing one (a loop's: one item's). */
  readonly body: string;
}

export interface BicepModule {
  readonly symbol: string;
  readonly path: string;
  readonly form: Exclude<DeclarationForm, 'existing'>;
  /** The module's body, from its opening brace to the matching closing one (a loop's: one item's). */
  readonly body: string;
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
    params.push({ name: m[1]!, type: m[2]!, defaultValue: m[3]?.trim(), decorators: decoratorsBefore(code, m.index) });
  }
  for (const m of code.matchAll(/^var\s+(\w+)\s*=/gm)) vars.push(m[1]!);
  const understood = new Set<number>();
  for (const m of code.matchAll(/^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=[ \t]*([^\n]*)$/gm)) {
    const { form, body } = declarationBody(code, m.index + m[0].length - m[5]!.length, m[0]);
    if (m[4] && form !== 'plain') throw notUnderstood(m[0], 'an existing resource is `existing = {…}`');
    resources.push({ symbol: m[1]!, type: m[2]!, apiVersion: m[3]!, form: m[4] ? 'existing' : form, body });
    understood.add(m.index);
  }
  for (const m of code.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=[ \t]*([^\n]*)$/gm)) {
    const { form, body } = declarationBody(code, m.index + m[0].length - m[3]!.length, m[0]);
    const paramsAt = /\n\s*params:\s*\{/.exec(body);
    const paramsBody = paramsAt ? balanced(body, paramsAt.index + paramsAt[0].length - 1) : '{}';
    modules.push({ symbol: m[1]!, path: m[2]!, form, body, params: topLevelEntries(paramsBody) });
    understood.add(m.index);
  }
  // Every other line that declares a resource or module — at the top level or nested in a body — is a shape this reader skips.
  for (const m of code.matchAll(/^[ \t]*(?:resource|module)[ \t]+[A-Za-z_][^\n]*$/gm)) {
    if (!understood.has(m.index)) throw notUnderstood(m[0].trim(), 'it reads `resource`/`module` declarations at the top level only');
  }
  for (const m of code.matchAll(/^output\s+(\w+)\s+\w+\s*=\s*(.+)$/gm)) outputs.set(m[1]!, m[2]!.trim());
  return { params, vars, resources, modules, outputs, code };
}

function notUnderstood(line: string, why: string): Error {
  return new Error(`test/infra/bicep-reader.ts does not understand this declaration (${why}): ${line}`);
}

/**
 * The body of a declaration whose value starts at `at`: `{`, `if (…) {`, `[for … : {` or `[for … : if (…) {`,
 * the line ending at that brace; a loop's body must be followed by its `]`.
 */
function declarationBody(code: string, at: number, line: string): { form: Exclude<DeclarationForm, 'existing'>; body: string } {
  const rest = code.slice(at, code.indexOf('\n', at) === -1 ? code.length : code.indexOf('\n', at)).trimEnd();
  const form = rest === '{' ? 'plain'
    : /^if\s*\(.*\)\s*\{$/.test(rest) ? 'conditional'
    : /^\[\s*for\s+.+\s+in\s+.+:\s*(?:if\s*\(.*\)\s*)?\{$/.test(rest) ? 'loop'
    : undefined;
  if (!form) throw notUnderstood(line, 'a body is `{`, `if (…) {` or `[for … in …: {` at the end of its first line');
  const open = at + rest.length - 1;
  const body = balanced(code, open);
  if (form === 'loop' && !/^\s*\]/.test(code.slice(open + body.length))) throw notUnderstood(line, 'a loop ends with `}]`');
  return { form, body };
}

/** The decorators (`@name(argument)`, one or more lines each) right above the declaration at `at`. */
function decoratorsBefore(code: string, at: number): Map<string, string> {
  const decorators = new Map<string, string>();
  const before = code.slice(0, at);
  // Walk back over the decorator block: lines that start a decorator or continue one.
  const lines = before.split('\n');
  lines.pop();
  let block = '';
  while (lines.length > 0) {
    const line = lines.pop()!;
    if (line.trim() === '' || /^\s*(param|var|resource|module|output|type|func|metadata|targetScope|import)\b/.test(line)) break;
    block = `${line}\n${block}`;
  }
  for (let i = block.indexOf('@'); i >= 0; i = block.indexOf('@', i + 1)) {
    const match = /^@(\w+)\(/.exec(block.slice(i));
    if (!match) continue;
    let depth = 0;
    let end = i + match[0].length - 1;
    for (; end < block.length; end += 1) {
      if (block[end] === '(') depth += 1;
      else if (block[end] === ')' && --depth === 0) break;
    }
    decorators.set(match[1]!, block.slice(i + match[0].length, end).trim());
    i = end;
  }
  return decorators;
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

/** A Bicep value as written: literals and the shape of objects and arrays; anything else is an expression. */
export type BicepValue =
  | { readonly kind: 'object'; readonly entries: readonly { readonly key: string; readonly value: BicepValue }[] }
  | { readonly kind: 'array'; readonly items: readonly BicepValue[] }
  | { readonly kind: 'string'; readonly value: string; readonly interpolated: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'expression'; readonly text: string };

/**
 * Parses a value (comments already removed): `{ key: value … }` with one entry a line (or commas),
 * `[ … ]`, 'strings' (with ${…}), numbers, true/false/null; the rest of an entry up to the end of its
 * line (brackets and strings balanced) is an expression, kept as text.
 */
export function parseBicepValue(text: string): BicepValue {
  let at = 0;
  const skipSpace = (newlines: boolean) => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\r' || (newlines && (text[at] === '\n' || text[at] === ',')))) at += 1;
  };
  /** Index after the string literal opening at `from` (its ${…} may hold strings and braces). */
  const endOfString = (from: number): number => {
    let i = from + 1;
    while (i < text.length) {
      if (text[i] === '\\') i += 2;
      else if (text[i] === "'") return i + 1;
      else if (text[i] === '$' && text[i + 1] === '{') {
        let depth = 0;
        for (i += 1; i < text.length; i += 1) {
          if (text[i] === "'") i = endOfString(i) - 1;
          else if (text[i] === '{') depth += 1;
          else if (text[i] === '}' && --depth === 0) break;
        }
        i += 1;
      } else i += 1;
    }
    throw new Error(`unterminated string at ${from}`);
  };
  /** The end of an expression: a newline, ',', '}' or ']' outside brackets and strings. */
  const endOfExpression = (from: number): number => {
    let depth = 0;
    let i = from;
    while (i < text.length) {
      const c = text[i]!;
      if (c === "'") { i = endOfString(i); continue; }
      if (c === '(' || c === '[' || c === '{') depth += 1;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) return i;
        depth -= 1;
      } else if ((c === '\n' || c === ',') && depth === 0) return i;
      i += 1;
    }
    return i;
  };
  const value = (): BicepValue => {
    skipSpace(false);
    const c = text[at];
    if (c === '{') {
      at += 1;
      const entries: { key: string; value: BicepValue }[] = [];
      for (;;) {
        skipSpace(true);
        if (text[at] === '}') { at += 1; break; }
        let key: string;
        if (text[at] === "'") {
          const end = endOfString(at);
          key = text.slice(at + 1, end - 1);
          at = end;
        } else {
          const match = /^[A-Za-z_$][\w$]*/.exec(text.slice(at));
          if (!match) throw new Error(`expected a property name at ${at}: ${text.slice(at, at + 40)}`);
          key = match[0];
          at += key.length;
        }
        skipSpace(false);
        if (text[at] !== ':') throw new Error(`expected ':' after ${key} at ${at}`);
        at += 1;
        entries.push({ key, value: value() });
      }
      return { kind: 'object', entries };
    }
    if (c === '[' && !/^\[\s*for\b/.test(text.slice(at))) {
      at += 1;
      const items: BicepValue[] = [];
      for (;;) {
        skipSpace(true);
        if (text[at] === ']') { at += 1; break; }
        items.push(value());
      }
      return { kind: 'array', items };
    }
    const start = at;
    const end = endOfExpression(at);
    const written = text.slice(start, end).trim();
    at = end;
    // A string literal alone, not the start of a longer expression ('a' == b ? …).
    if (c === "'" && text.slice(endOfString(start), end).trim() === '') {
      return { kind: 'string', value: written.slice(1, -1), interpolated: /\$\{/.test(written) };
    }
    if (/^-?\d+$/.test(written)) return { kind: 'int', value: Number(written) };
    if (written === 'true' || written === 'false') return { kind: 'bool', value: written === 'true' };
    if (written === 'null') return { kind: 'null' };
    return { kind: 'expression', text: written };
  };
  const parsed = value();
  skipSpace(true);
  if (at < text.length) throw new Error(`unexpected text after the value at ${at}: ${text.slice(at, at + 40)}`);
  return parsed;
}
