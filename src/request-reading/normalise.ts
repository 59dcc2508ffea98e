/**
 * The message as the rules read it. Chat text is untrusted: Teams HTML, mentions, entities,
 * zero-width and bidi characters, megabytes. Every other rule reads only what this returns.
 */

/** Longest message we read: a request is a sentence or two; the rest is noise or an attack. */
export const MESSAGE_TEXT_CAP = 2_000;
// Teams HTML can be several times the text it carries; cut before parsing so the work is bounded.
const RAW_CAP = MESSAGE_TEXT_CAP * 10;

// Format, private-use, unassigned and lone surrogate code points: invisible or meaningless,
// and bidi overrides are a spoofing vector. Removed before any rule looks at the text.
const INVISIBLE = /[\p{Cf}\p{Co}\p{Cn}\p{Cs}]/gu;
const BLOCK_TAG = /<\/?(?:p|div|br|li|ul|ol|tr|td|th|h[1-6]|blockquote|table|tbody|thead|hr|pre)\b[^<>]{0,500}>/gi;
const ANY_TAG = /<\/?[a-z][a-z0-9-]{0,30}(?:\s[^<>]{0,500})?\/?>/gi;
// The bot's own @mention leads a channel message ("<at>Onboarding</at> please …"); it is not
// part of the request (and "Onboarding" would otherwise read as the intent "onboard").
const LEADING_MENTIONS = /^\s*(?:<at\b[^<>]{0,200}>[^<]{0,200}<\/at>[\s,:;-]*)+/i;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", ndash: '–', mdash: '—', hellip: '…',
  rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', shy: '', zwj: '', zwnj: '',
};

function decodeEntities(text: string): string {
  // One pass: "&amp;lt;" becomes "&lt;", never "<" — no double decoding.
  return text.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,8}));/gi, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
  });
}

/**
 * The bot's leading mention dropped, other mentions kept as their text, tags removed, entities
 * decoded once, invisible characters stripped, NFKC (full-width digits become digits),
 * whitespace collapsed, at most MESSAGE_TEXT_CAP code points. Anything but a string reads as ''.
 */
export function normaliseMessageText(raw: unknown): string {
  let text = typeof raw === 'string' ? raw.slice(0, RAW_CAP) : '';
  text = text.replace(LEADING_MENTIONS, ' ').replace(BLOCK_TAG, ' ').replace(ANY_TAG, '');
  text = decodeEntities(text).replace(INVISIBLE, '').normalize('NFKC').replace(INVISIBLE, '');
  text = text.replace(/[\s\p{Cc}\p{Zs}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  const codePoints = Array.from(text);
  return codePoints.length > MESSAGE_TEXT_CAP ? codePoints.slice(0, MESSAGE_TEXT_CAP).join('').trim() : text;
}

/** The first letter in upper case ("marketing" → "Marketing"), the rest as written. */
export function capitaliseFirst(text: string): string {
  const [first = '', ...rest] = Array.from(text);
  return first.toUpperCase() + rest.join('');
}
