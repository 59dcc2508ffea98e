/**
 * A sheet pasted into a Teams message, read from the message's HTML. Teams has been seen to
 * turn the line breaks of 1:1 text into spaces, and carries what was typed or pasted as HTML
 * in a `text/html` attachment (botframework-sdk#3238; msteams-docs#3960): a range pasted
 * from Excel arrives as a <table>, lines of text as <div>s, <p>s or <br>s. The HTML is
 * untrusted: it is read with htmlparser2's streaming parser (linear in its length, entities
 * decoded once, nothing executed or kept but text), after a length cap, and only text comes out.
 */
import { Parser } from 'htmlparser2';

/** Longest HTML read (a 1,000-row table is about 400 KB of Teams HTML); longer is not read. */
export const PASTED_HTML_MAX_CHARS = 4_000_000;
/** Cells per row beyond which a row is cut (the sheet has about 20 columns); stops a colspan bomb. */
const MAX_CELLS_PER_ROW = 200;

/** A pasted table, row by row and cell by cell (text only); or the pasted lines when there is no table. */
export type PastedSheet = { readonly kind: 'table'; readonly rows: readonly (readonly string[])[] } | { readonly kind: 'lines'; readonly text: string };

const LINE_BREAKING = new Set(['div', 'p', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'table', 'ul', 'ol']);
const NEVER_TEXT = new Set(['script', 'style', 'template', 'head', 'title', 'noscript']);

/** Collapses whitespace (including &nbsp; and line breaks inside one cell) to single spaces. */
const tidy = (text: string): string => text.replace(/[\s\u00a0]+/g, ' ').trim();

/**
 * The first table of the HTML (cells of nested tables count as text of their cell), or else
 * its lines of text; undefined when the HTML is too long or holds no text.
 */
export function readPastedHtml(html: string): PastedSheet | undefined {
  if (html.length > PASTED_HTML_MAX_CHARS) return undefined;
  const rows: string[][] = [];
  const lines: string[] = [''];
  let tableDepth = 0;
  let tablesSeen = 0;
  let readingTable = false;
  let row: string[] | undefined;
  let cell: string[] | undefined;
  let span = 1;
  let hidden = 0;

  const parser = new Parser({
    onopentag(name, attributes) {
      if (NEVER_TEXT.has(name)) hidden += 1;
      if (name === 'table') {
        tableDepth += 1;
        if (tableDepth === 1 && tablesSeen === 0) readingTable = true;
        if (tableDepth === 1) tablesSeen += 1;
      }
      if (readingTable && tableDepth === 1) {
        if (name === 'tr') row = [];
        if ((name === 'td' || name === 'th') && row) {
          cell = [];
          // A merged cell fills the columns it spans (its text in the first): the cells after it keep their column.
          span = Math.min(Math.max(Number.parseInt(attributes['colspan'] ?? '1', 10) || 1, 1), MAX_CELLS_PER_ROW);
        }
      }
      if (cell && name === 'br') cell.push('\n');
      if (!readingTable && LINE_BREAKING.has(name)) lines.push('');
    },
    ontext(text) {
      if (hidden > 0) return;
      if (cell) cell.push(text);
      else if (!readingTable) lines[lines.length - 1] += text;
    },
    onclosetag(name) {
      if (NEVER_TEXT.has(name)) hidden = Math.max(0, hidden - 1);
      if (readingTable && tableDepth === 1) {
        if ((name === 'td' || name === 'th') && row && cell) {
          const cells = [tidy(cell.join('')), ...Array.from({ length: span - 1 }, () => '')];
          row.push(...cells.slice(0, Math.max(0, MAX_CELLS_PER_ROW - row.length)));
          cell = undefined;
        }
        if (name === 'tr' && row) {
          rows.push(row);
          row = undefined;
        }
      }
      if (name === 'table') {
        tableDepth = Math.max(0, tableDepth - 1);
        if (tableDepth === 0) readingTable = false;
      }
      if (!readingTable && LINE_BREAKING.has(name)) lines.push('');
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.write(html);
  parser.end();

  if (rows.some((r) => r.some((c) => c !== ''))) return { kind: 'table', rows };
  const text = lines.map(tidy).filter((line) => line !== '').join('\n');
  return text === '' ? undefined : { kind: 'lines', text };
}
