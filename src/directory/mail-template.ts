/**
 * The welcome mail's templates: adaptiveCards/mail/welcome.html and welcome.txt, ordinary
 * files a non-developer edits like the cards. They are Mustache templates (the `mustache`
 * package), so the syntax is documented everywhere: {{name}} is a value (HTML-escaped in the .html),
 * {{#flag}}…{{/flag}} shows its part when the flag is true, {{^flag}}…{{/flag}} when it is
 * false, {{! … }} is a comment. The HTML's <title> is the subject. A name the view does not
 * have is an error at render time, never silently empty.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';

export type MailView = Readonly<Record<string, string | boolean>>;

export interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const mailDirectory = fileURLToPath(new URL('../../adaptiveCards/mail/', import.meta.url));

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

/** Text made safe to place in HTML text or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]!);
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/** Every name the template uses must be in the view, and every value goes through `escape`. */
function checkTokens(tokens: readonly Token[], view: MailView): void {
  for (const [type, name, , , children] of tokens) {
    if (type === 'text' || type === '!') continue;
    if (type === '&' || type === '{') throw new Error(`The mail template uses an unescaped value ({{{${name}}}} or {{&${name}}}); use {{${name}}}`);
    if (type === '>' || type === '=') throw new Error('The mail template uses a partial or changes delimiters, which the welcome mail does not support');
    if (!Object.prototype.hasOwnProperty.call(view, name)) throw new Error(`The mail template uses {{${name}}}, which the welcome mail does not have`);
    if (children) checkTokens(children, view);
  }
}

/**
 * Expands `template` with `view` (Mustache, the `mustache` package); every value goes through
 * `escape` (HTML-escaping unless told otherwise). What a value contains is never read as a tag.
 */
export function expandTemplate(template: string, view: MailView, escape: (value: string) => string = escapeHtml): string {
  // HTML comments are notes for whoever edits the template, not part of the mail.
  const text = template.replace(/<!--[\s\S]*?-->\s*/g, '');
  let tokens: Token[];
  try {
    tokens = Mustache.parse(text) as Token[];
  } catch (error) {
    throw new Error(`The mail template has a {{…}} it cannot read (unclosed section or unknown tag): ${(error as Error).message}`);
  }
  checkTokens(tokens, view);
  return Mustache.render(text, view, {}, { escape: (value: unknown) => escape(String(value)) });
}

/** Renders adaptiveCards/mail/<name>.html and <name>.txt: the subject from the HTML's <title>. */
export function renderMail(name: string, view: MailView, directory = mailDirectory): RenderedMail {
  const html = expandTemplate(readFileSync(`${directory}${name}.html`, 'utf8'), view);
  const text = expandTemplate(readFileSync(`${directory}${name}.txt`, 'utf8'), view, (value) => value);
  const title = /<title>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  if (!title) throw new Error(`adaptiveCards/mail/${name}.html needs a <title>: it is the mail's subject`);
  // The subject is a header, not HTML: undo the escaping, and keep it to one line.
  const subject = title.replace(/&(amp|lt|gt|quot|#39|#96|#61);/g, (entity) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`', '&#61;': '=' })[entity]!)
    .replace(/\s+/g, ' ').trim();
  return { subject, html, text };
}
