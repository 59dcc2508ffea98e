/**
 * The welcome mail's templates: adaptiveCards/mail/welcome.html and welcome.txt, ordinary
 * files a non-developer edits like the cards. They use a small subset of Mustache, so the
 * syntax is documented everywhere: {{name}} is a value (HTML-escaped in the .html),
 * {{#flag}}…{{/flag}} shows its part when the flag is true, {{^flag}}…{{/flag}} when it is
 * false, {{! … }} is a comment. The HTML's <title> is the subject. A name the view does not
 * have is an error at render time, never silently empty.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

const SECTION = /\{\{([#^])\s*([A-Za-z][\w]*)\s*\}\}([\s\S]*?)\{\{\/\s*\2\s*\}\}/g;
const VALUE = /\{\{\s*([A-Za-z][\w]*)\s*\}\}/g;

/** Expands `template` with `view`; every value goes through `escape` (HTML-escaping unless told otherwise). */
export function expandTemplate(template: string, view: MailView, escape: (value: string) => string = escapeHtml): string {
  const lookup = (name: string): string | boolean => {
    if (!Object.prototype.hasOwnProperty.call(view, name)) throw new Error(`The mail template uses {{${name}}}, which the welcome mail does not have`);
    return view[name]!;
  };
  // Comments are notes for whoever edits the template, not part of the mail.
  let text = template.replace(/<!--[\s\S]*?-->\s*/g, '').replace(/\{\{![\s\S]*?\}\}\s*/g, '');
  // Sections may nest: expand from the innermost outwards until none is left.
  for (let previous = ''; previous !== text;) {
    previous = text;
    text = text.replace(SECTION, (_all, kind: string, name: string, inner: string) => (Boolean(lookup(name)) === (kind === '#') ? inner : ''));
  }
  const expanded = text.replace(VALUE, (_all, name: string) => escape(String(lookup(name))));
  if (/\{\{/.test(expanded)) throw new Error('The mail template has a {{…}} it cannot read (unclosed section or unknown tag)');
  return expanded;
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
