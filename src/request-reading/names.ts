/**
 * Reading a person's name out of running text: capitalised words, with the particles that
 * stand inside names ("van", "de la"), stopping at words that end a name (weekdays, months,
 * departments, sentence words). Where the name is, the cues decide (see people.ts).
 */
import type { Span } from './spans.js';
import { DEPARTMENT_WORDS } from './vocabulary.js';

const NAME_WORD = /^(?:[\p{Lu}\p{Lt}][\p{L}\p{M}]*(?:['’-][\p{L}\p{M}]+)*|\p{Lo}[\p{Lo}\p{M}]*)$/u;
export const PARTICLES: ReadonlySet<string> = new Set([
  'van', 'von', 'de', 'der', 'den', 'del', 'della', 'di', 'da', 'du', 'dos', 'das', 'do', 'la', 'le', 'ten', 'ter', 'bin', 'binti',
  'ibn', 'al', 'el', 'zu', 'y',
]);
// Capitalised words that end a name: sentence words, dates, departments, employee types.
const NAME_STOPS = new Set([
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'today', 'tomorrow', 'next', 'this',
  'january', 'february', 'march', 'september', 'october', 'november', 'december',
  'contractor', 'employee', 'intern', 'vendor', 'guest', 'consultant', 'freelancer', 'trainee', 'apprentice',
  'ticket', 'team', 'department', 'dept', 'starting', 'starts', 'start', 'from', 'please', 'thanks', 'thank', 'cheers',
  'regards', 'the', 'a', 'an', 'and', 'or', 'in', 'on', 'at', 'as', 'to', 'of', 'who', 'with', 'reporting', 'reports',
  'manager', 'i', 'we', 'he', 'she', 'they', 'her', 'his', 'their', 'our', 'my', 'me', 'you', 'hi', 'hello', 'new',
  'account', 'user', 'email', 'mail', 'role', 'title', 'position', 'joining', 'joins', 'needs', 'is', 'will',
  ...DEPARTMENT_WORDS,
]);
// Months that are also given names end a name only when a day follows ("Mary May" vs "May 3").
const NAME_LIKE_MONTHS = new Set(['april', 'may', 'june', 'july', 'august', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec']);
const HONORIFIC = /(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+/y;
const WORD = /\s*([\p{L}\p{M}'’-]+)/uy;

/** Whether `word` can be part of a name; `rest` is the text right after it. */
export function isNameWord(word: string, rest: string): boolean {
  if (!NAME_WORD.test(word)) return false;
  const lower = word.toLowerCase();
  if (NAME_STOPS.has(lower)) return false;
  if (NAME_LIKE_MONTHS.has(lower) && /^\s*\d/.test(rest)) return false;
  const letters = word.replace(/[^\p{L}]/gu, '');
  // "HR", "IT", "INC": acronyms, not names.
  return !(letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase());
}

export interface NameRead extends Span {
  readonly words: readonly string[];
}

/** Capitalised words (with particles between them) starting at `from`; undefined if fewer than `min`. */
export function readNameForward(text: string, from: number, min: number): NameRead | undefined {
  let pos = from;
  HONORIFIC.lastIndex = pos;
  if (HONORIFIC.test(text)) pos = HONORIFIC.lastIndex;
  const words: { word: string; particle: boolean }[] = [];
  let end = pos;
  while (words.length < 8) {
    WORD.lastIndex = pos;
    const m = WORD.exec(text);
    if (!m || m[1] === undefined) break;
    const word = m[1];
    const after = WORD.lastIndex;
    const next = text.slice(after, after + 2);
    // Part of an address, a file name or a number: not a name.
    if (/^(?:@|\.[\p{L}\p{N}]|\p{N})/u.test(next)) break;
    // "Megan Bowen's new hire": the owner, not the new person.
    if (/['’]s$/.test(word)) return undefined;
    if (words.length > 0 && PARTICLES.has(word)) words.push({ word, particle: true });
    else if (isNameWord(word, text.slice(after, after + 8))) words.push({ word, particle: false });
    else break;
    pos = after;
    if (!words[words.length - 1]?.particle) end = after;
  }
  while (words.length > 0 && words[words.length - 1]?.particle) words.pop();
  if (words.filter((w) => !w.particle).length < min) return undefined;
  const start = text.slice(from).search(/\S/) + from;
  return { words: words.map((w) => w.word), start, end };
}

/** The capitalised words just before `end` ("Adele Vance needs an account"); at least two. */
export function readNameBackward(text: string, end: number): NameRead | undefined {
  const before = text.slice(Math.max(0, end - 200), end);
  const tokens = before.split(' ').filter((t) => t !== '');
  const words: string[] = [];
  for (let i = tokens.length - 1; i >= 0 && words.length < 8; i--) {
    const token = tokens[i] ?? '';
    if (PARTICLES.has(token) && words.length > 0) words.unshift(token);
    else if (isNameWord(token, '')) words.unshift(token);
    else break;
  }
  while (words.length > 0 && PARTICLES.has(words[0] ?? '')) words.shift();
  if (words.filter((w) => !PARTICLES.has(w)).length < 2) return undefined;
  const joined = words.join(' ');
  const start = text.lastIndexOf(joined, end);
  return start < 0 ? undefined : { words, start, end: start + joined.length };
}

/**
 * Given name and surname from the name's words: the first word is the given name ("Mary" and
 * "Jane Watson"), except that a double-barrelled surname ("García-López") already is the whole
 * surname, so the words before it are given names ("María José").
 */
export function splitName(words: readonly string[]): { given: string; surname: string } {
  const last = words[words.length - 1] ?? '';
  if (words.length > 2 && last.includes('-') && !words.some((w) => PARTICLES.has(w))) {
    return { given: words.slice(0, -1).join(' '), surname: last };
  }
  const [given = '', ...rest] = words;
  return { given, surname: rest.join(' ') };
}
