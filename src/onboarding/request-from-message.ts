/**
 * A manager's plain message ("please create an account for Adele Vance, Marketing,
 * contractor, starts 1 Dec, ticket INC-4711") read into a PREFILLED request form.
 *
 * Deliberately deterministic rules, not a language model: the same words always give the
 * same form, a person can predict and correct it, and nothing here creates anything — the
 * bot opens the card with these values and the person confirms or edits them. When a rule
 * has to guess (a numeric date, a name split, a guest), it says so in `notes`.
 *
 * The message is untrusted chat text: Teams HTML, mentions, entities, zero-width and bidi
 * characters, megabytes. The function never throws and every value it returns fits the
 * form's limits; an oversized or odd value is left out rather than cut into a wrong one.
 */
import type { FormField, OnboardingForm } from './request.js';

export interface MessageExtraction {
  /** Fields recognised, as strings the form accepts (startDate as YYYY-MM-DD). */
  readonly form: OnboardingForm;
  /** True when the message reads like an account request at all (so the bot opens the form). */
  readonly isAccountRequest: boolean;
  /** Short notes for the person, e.g. "I read the start date as Tuesday 1 December 2026." */
  readonly notes: readonly string[];
}

export interface MessageContext {
  /** The requester's today, YYYY-MM-DD: relative dates and year-less dates resolve from it. */
  readonly today: string;
  /** The tenant's domains: an address on one of them fills alias and domain. */
  readonly knownDomains?: readonly string[];
  /**
   * The sender's locale (Teams `activity.locale`, e.g. "en-US"). Only used to read an
   * ambiguous numeric date: month first for US-style locales, day first otherwise.
   */
  readonly locale?: string;
}

// The form's own limits (request.ts keeps them private; the tests check both agree).
const LIMITS: Record<FormField, number> = {
  givenName: 64, surname: 64, displayName: 256, alias: 64, domain: 48, usageLocation: 2, jobTitle: 128,
  department: 64, employeeType: 64, companyName: 64, officeLocation: 128, startDate: 10, manager: 113,
  ticketReference: 64, businessJustification: 1000,
};

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
 * The message as the rules read it: the bot's leading mention dropped, other mentions kept
 * as their text, tags removed, entities decoded once, invisible characters stripped, NFKC
 * (full-width digits become digits), whitespace collapsed, at most MESSAGE_TEXT_CAP code points.
 */
export function normaliseMessageText(raw: string): string {
  let text = typeof raw === 'string' ? raw.slice(0, RAW_CAP) : '';
  text = text.replace(LEADING_MENTIONS, ' ').replace(BLOCK_TAG, ' ').replace(ANY_TAG, '');
  text = decodeEntities(text).replace(INVISIBLE, '').normalize('NFKC').replace(INVISIBLE, '');
  text = text.replace(/[\s\p{Cc}\p{Zs}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  const codePoints = Array.from(text);
  return codePoints.length > MESSAGE_TEXT_CAP ? codePoints.slice(0, MESSAGE_TEXT_CAP).join('').trim() : text;
}

// ---------------------------------------------------------------------------------------
// Intent

// Commands the bot answers itself; they never open the form.
const COMMAND = /^(?:help|status|set ticket channel|cancel|stop)\b/i;
const STATUS_QUESTION = /\b(?:status|progress)\s+(?:of|for|on)\b|\bwhat(?:'s|’s| is) (?:happening|going on) with\b/i;
const INTENT: readonly RegExp[] = [
  /\b(?:create|creating|set\s?up|setting up|make|open|provision|add|register|needs?|requesting|request|get|give)\b[^.!?]{0,60}?\b(?:accounts?|users?|logins?|log-ins?|mailbox(?:es)?|identity|upn)\b/i,
  /\bonboard(?:s|ed|ing)?\b/i,
  /\bnew\s+(?:accounts?|users?|starters?|hires?|joiners?|employees?|colleagues?|team members?|staff members?|contractors?|interns?)\b/i,
  /\b(?:is|are|will be)\s+(?:joining|starting)\b/i,
  /\b(?:joiner|starter) form\b/i,
];

function readsLikeAccountRequest(text: string): boolean {
  if (COMMAND.test(text) || STATUS_QUESTION.test(text)) return false;
  return INTENT.some((pattern) => pattern.test(text));
}

// Managers often name the person instead of saying "account": "set up Adele Vance", "account
// for Adele Vance pls", "Adele Vance starts Monday in Marketing, INC-4711". These looser readings
// only count when the name rules found a person, and never for a question about someone or
// something the sender already did.
const REQUEST_VERB_CUE = /^(?:create|set\s?up|provision|onboard(?:ing)?)$/i;
// "I set up Adele Vance yesterday" reports; "can I set up…" and "can you set up…" ask.
const STATEMENT_BEFORE_VERB = /(?:(?<!\b(?:can|could|may|shall|should)\s+)\b(?:I|we)|\b(?:I've|we've|already|just|have|has|had|was|were|been))\s+$/i;
// An account asked for ("account for", "an account for"), not "the account for X" someone has.
const ACCOUNT_BEFORE_FOR = /(?:^|[^\p{L}\p{N}\s]\s*|\b(?:an?|one|new)\s+)(?:user\s+)?(?:accounts?|users?|logins?|log-ins?|mailbox(?:es)?)\s+$/iu;
// "…for Adele Vance is locked", "…for Adele Vance already exists": about an account that exists.
const STATEMENT_AFTER_NAME = /^\s*(?:(?:is|was)(?!\s+(?:needed|required)\b)|has|had|got|already|exists|still|isn't|wasn't|hasn't|doesn't|didn't|can't|cannot|won't)\b/i;
const QUESTION_OPENING = /^(?:(?:hi|hello|hey)\b[\s,!]*)?(?:who|what|what's|whats|when|where|why|which|whose|is there|are there|does|did|has|have|was|were)\b/i;

interface RequestSignals {
  readonly person?: NewPerson;
  /** The start date came right after a start or join word ("starts Monday"), not after "from". */
  readonly joiningDate: boolean;
  /** How many of ticket, department, employee type and job title were read. */
  readonly details: number;
}

function readsLikeRequestForPerson(text: string, { person, joiningDate, details }: RequestSignals): boolean {
  if (!person || COMMAND.test(text) || STATUS_QUESTION.test(text) || QUESTION_OPENING.test(text)) return false;
  const beforeCue = text.slice(0, person.cueStart);
  // (a) A request verb right before the person: "can you set up Adele Vance".
  if (REQUEST_VERB_CUE.test(person.cue) && !STATEMENT_BEFORE_VERB.test(beforeCue)) return true;
  // (b) "account for Adele Vance pls".
  if (person.cue.toLowerCase() === 'for' && ACCOUNT_BEFORE_FOR.test(beforeCue) && !STATEMENT_AFTER_NAME.test(text.slice(person.end))) return true;
  // (c) No request words, but a person who starts on a date plus something only a request
  // carries (ticket, department, type, title). The date must follow a start word: "needs access
  // from Monday, INC-4711" is some other request.
  return joiningDate && details >= 1;
}

// ---------------------------------------------------------------------------------------
// Names

const NAME_WORD = /^(?:[\p{Lu}\p{Lt}][\p{L}\p{M}]*(?:['’-][\p{L}\p{M}]+)*|\p{Lo}[\p{Lo}\p{M}]*)$/u;
const PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'del', 'della', 'di', 'da', 'du', 'dos', 'das', 'do', 'la', 'le', 'ten', 'ter', 'bin', 'binti', 'ibn', 'al', 'el', 'zu', 'y']);
const DEPARTMENT_WORDS = [
  'marketing', 'sales', 'finance', 'human', 'resources', 'engineering', 'legal', 'operations', 'retail', 'support',
  'accounting', 'procurement', 'research', 'development', 'product', 'design', 'facilities', 'logistics', 'security',
  'communications', 'administration', 'customer', 'service', 'purchasing', 'compliance',
];
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

function isNameWord(word: string, rest: string): boolean {
  if (!NAME_WORD.test(word)) return false;
  const lower = word.toLowerCase();
  if (NAME_STOPS.has(lower)) return false;
  if (NAME_LIKE_MONTHS.has(lower) && /^\s*\d/.test(rest)) return false;
  const letters = word.replace(/[^\p{L}]/gu, '');
  // "HR", "IT", "INC": acronyms, not names.
  return !(letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase());
}

interface NameRead {
  readonly words: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** Capitalised words (with particles between them) starting at `from`; undefined if fewer than `min`. */
function readNameForward(text: string, from: number, min: number): NameRead | undefined {
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

/** The capitalised words just before `end` ("Adele Vance needs an account"). */
function readNameBackward(text: string, end: number): NameRead | undefined {
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

const NAME_AFTER = /\b(named|called|name is|name:|for|onboard(?:ing)?|set\s?up|create|provision|new (?:starter|hire|joiner|user|employee|colleague)\s*[:,-]?)\s+/giu;
const NAME_BEFORE = /\s+(?:needs|will need|is joining|joins|will be joining|is starting|starts|will start|is a new)\b/gi;

// Nouns for a job ("Product Marketing Manager"): they make "as …" a title and may stand between
// "for our new" and a name.
const ROLE_NOUNS = [
  'manager', 'engineer', 'specialist', 'lead', 'director', 'analyst', 'designer', 'developer', 'assistant', 'coordinator',
  'officer', 'architect', 'administrator', 'advisor', 'adviser', 'executive', 'representative', 'associate', 'technician',
  'accountant', 'scientist', 'researcher', 'writer', 'editor', 'supervisor', 'planner', 'owner', 'programmer', 'tester',
  'recruiter', 'strategist', 'controller', 'auditor', 'clerk', 'receptionist', 'agent', 'buyer', 'counsel', 'secretary',
];
const PERSON_NOUNS = [
  'intern', 'contractor', 'hire', 'starter', 'joiner', 'employee', 'colleague', 'team member', 'staff member', 'consultant',
  'freelancer', 'trainee', 'apprentice', 'vendor', 'user', 'person', ...ROLE_NOUNS,
];
// "for our new intern María…", "for the new Marketing contractor Adele…", "for a new hire, Adele…".
const PERSON_INTRO = new RegExp(
  String.raw`(?:(?:our|the|a|an|my|your|their|his|her|this)\s+)?(?:new\s+)?((?:[\p{L}&'’-]+\s+){0,2}?)(?:${PERSON_NOUNS.join('|')})\b\s*[,:-]?\s*`,
  'iuy',
);
const ROLE_MODIFIERS = new Set(['senior', 'junior', 'summer', 'graduate', 'principal', 'chief', 'lead']);

/** Where a name starts after a determiner and a role noun, or undefined when none stands there. */
function afterPersonIntro(text: string, from: number): number | undefined {
  PERSON_INTRO.lastIndex = from;
  const m = PERSON_INTRO.exec(text);
  if (!m) return undefined;
  // The words before the noun describe it ("Marketing intern"); a name word there would be the name.
  const modifiers = (m[1] ?? '').split(' ').filter((w) => w !== '');
  if (modifiers.some((w) => isNameWord(w, '') && !ROLE_MODIFIERS.has(w.toLowerCase()))) return undefined;
  return PERSON_INTRO.lastIndex;
}

// Capitalised words after "set up" or "create" that make a thing, not a person ("set up
// Conditional Access for Adele Vance", "create Teams Channel"): such a "name" is passed over.
const THING_WORDS = new Set([
  'access', 'mailbox', 'channel', 'channels', 'teams', 'group', 'list', 'site', 'folder', 'drive', 'onedrive', 'sharepoint',
  'outlook', 'office', 'microsoft', 'azure', 'entra', 'intune', 'windows', 'laptop', 'phone', 'printer', 'licence', 'license',
  'meeting', 'call', 'report', 'dashboard', 'workspace', 'flow', 'automate', 'policy', 'conditional', 'shared', 'distribution',
  'calendar', 'room', 'server', 'database', 'backup', 'portal', 'app', 'bot', 'pipeline', 'project', 'board', 'page', 'form', 'template',
]);

interface NewPerson extends NameRead {
  /** The words that introduced the name ("for", "set up", "starts"), as written. */
  readonly cue: string;
  readonly cueStart: number;
}

function findNewPersonName(text: string, taken: readonly Span[]): NewPerson | undefined {
  for (const m of text.matchAll(NAME_AFTER)) {
    const cueStart = m.index ?? 0;
    const from = cueStart + m[0].length;
    if (overlaps(taken, from, from + 1)) continue;
    const cue = (m[1] ?? '').replace(/\s+/g, ' ');
    const skipped = afterPersonIntro(text, from);
    const name = (skipped !== undefined && !overlaps(taken, skipped, skipped + 1) ? readNameForward(text, skipped, 2) : undefined)
      ?? readNameForward(text, from, 2);
    if (name && !name.words.some((word) => THING_WORDS.has(word.toLowerCase()))) return { ...name, cue, cueStart };
  }
  for (const m of text.matchAll(NAME_BEFORE)) {
    const name = readNameBackward(text, m.index ?? 0);
    if (name && !overlaps(taken, name.start, name.end)) return { ...name, cue: m[0].trim(), cueStart: m.index ?? 0 };
  }
  return undefined;
}

/**
 * Given name and surname from the name's words: the first word is the given name ("Mary" and
 * "Jane Watson"), except that a double-barrelled surname ("García-López") already is the whole
 * surname, so the words before it are given names ("María José").
 */
function splitName(words: readonly string[]): { given: string; surname: string } {
  const last = words[words.length - 1] ?? '';
  if (words.length > 2 && last.includes('-') && !words.some((w) => PARTICLES.has(w))) {
    return { given: words.slice(0, -1).join(' '), surname: last };
  }
  const [given = '', ...rest] = words;
  return { given, surname: rest.join(' ') };
}

// ---------------------------------------------------------------------------------------
// Addresses, managers, tickets

interface Span {
  readonly start: number;
  readonly end: number;
}
const overlaps = (spans: readonly Span[], start: number, end: number): boolean => spans.some((s) => start < s.end && s.start < end);

const EMAIL = /[A-Za-z0-9'._!#^~%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const ALIAS_CHARS = /^[A-Za-z0-9'.\-_!#^~]+$/;
const MANAGER_CUE = /\b(?:manager|reporting to|reports to|report to|managed by|supervisor|line manager|boss)(?:\s+(?:is|will be|would be))?\s*[:=-]?\s*(?:is\s+)?$/i;
const MANAGER_NAME = /\b(?:reporting to|reports to|report to|managed by|(?:line )?manager(?:\s+(?:is|will be|would be))?\s*[:=-]?|supervisor(?:\s+is)?\s*:?)\s+/gi;

interface Address extends Span {
  readonly local: string;
  readonly domain: string;
  readonly forManager: boolean;
}

function findAddresses(text: string): Address[] {
  const found: Address[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const start = m.index ?? 0;
    if (start > 0 && /[A-Za-z0-9'._!#^~%+-]/.test(text[start - 1] ?? '')) continue; // local part longer than 64
    const [local = '', rawDomain = ''] = m[0].split('@');
    const domain = rawDomain.replace(/[.-]+$/, '').toLowerCase();
    const forManager = MANAGER_CUE.test(text.slice(Math.max(0, start - 40), start));
    found.push({ start, end: start + m[0].length, local, domain, forManager });
  }
  return found;
}

function isUsableAlias(alias: string): boolean {
  return alias.length <= LIMITS.alias && ALIAS_CHARS.test(alias) && !alias.startsWith('.') && !alias.endsWith('.') && !alias.includes('..');
}

const TICKET_PATTERNS: readonly RegExp[] = [
  // Labelled: "ticket 4711", "ticket: INC-4711", "ticket no. 4711", "ticket #4711", "case 88".
  /\b(?:ticket|incident|ref|reference|case)(?:\s+(?:is|no\.?|number|nr\.?|id))?\s*[:#]?\s*#?\s*([A-Za-z]{0,10}[-_]?\d{1,20})\b/gi,
  // ServiceNow and friends: INC0012345, REQ0012345, RITM0012345, CHG…, SR-12.
  /\b((?:INC|REQ|RITM|SCTASK|TASK|CHG|PRB|SR|CR|RFC|TKT)[-_]?\d{1,20})\b/gi,
  // Jira style: ONB-42, HELP-1234.
  /\b([A-Z][A-Z0-9]{1,9}-\d{2,20})\b/g,
  // "#4711".
  /(?:^|[\s(])#(\d{2,20})\b/g,
];
const TICKET_FORM = /^[A-Za-z0-9][A-Za-z0-9._\-/#]*$/;

function findTicket(text: string, taken: readonly Span[]): (Span & { readonly reference: string }) | undefined {
  for (const pattern of TICKET_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const value = m[1];
      if (value === undefined) continue;
      const start = (m.index ?? 0) + m[0].lastIndexOf(value);
      const end = start + value.length;
      if (overlaps(taken, start, end)) continue;
      const reference = value.replace(/^[a-z]+/i, (prefix) => prefix.toUpperCase());
      if (reference.length <= LIMITS.ticketReference && TICKET_FORM.test(reference)) return { start, end, reference };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Dates

interface Ymd {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const WEEKDAY = String.raw`(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)`;
const ORDINAL = '(?:st|nd|rd|th)?';

const makeDate = (y: number, m: number, d: number): Ymd | undefined => {
  if (!Number.isInteger(y) || y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return undefined;
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d ? { y, m, d } : undefined;
};
const parseIso = (s: string): Ymd | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? makeDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
};
const dayNumber = (date: Ymd): number => Date.UTC(date.y, date.m - 1, date.d) / 86_400_000;
const fromDayNumber = (n: number): Ymd => {
  const t = new Date(n * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const addDays = (date: Ymd, days: number): Ymd => fromDayNumber(dayNumber(date) + days);
const weekdayOf = (date: Ymd): number => new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
const iso = (date: Ymd): string => `${String(date.y).padStart(4, '0')}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
const spoken = (date: Ymd): string => `${WEEKDAY_NAMES[weekdayOf(date)]} ${date.d} ${MONTH_NAMES[date.m - 1]} ${date.y}`;
const monthIndex = (word: string): number => MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(word.toLowerCase().slice(0, 3))) + 1;
const weekdayIndex = (word: string): number => WEEKDAY_NAMES.findIndex((name) => name.toLowerCase().startsWith(word.toLowerCase().slice(0, 3)));

/** The first occurrence on or after today of a day and month with no year. */
function nextOccurrence(month: number, day: number, today: Ymd): Ymd | undefined {
  for (let y = today.y; y <= today.y + 8; y++) {
    const date = makeDate(y, month, day);
    if (date && dayNumber(date) >= dayNumber(today)) return date;
  }
  return undefined;
}

/** The next such weekday strictly after today ("starts Monday" said on a Monday means next week). */
function nextWeekday(weekday: number, today: Ymd): Ymd {
  const ahead = ((weekday - weekdayOf(today) + 7) % 7) || 7;
  return addDays(today, ahead);
}

const MONTH_FIRST_REGIONS = /[-_](?:US|PH|FM|MH|PW|AS|GU|MP|PR|UM|VI)\b/i;

type Resolution = { readonly date: Ymd; readonly notes: readonly string[] } | { readonly problem: string };

interface DateCandidate extends Span {
  readonly kind: 'absolute' | 'relative' | 'numeric';
  resolve(today: Ymd | undefined, monthFirst: boolean): Resolution | undefined;
}

const withWeekdayCheck = (date: Ymd, written: string | undefined): Resolution => {
  if (written === undefined) return { date, notes: [] };
  const said = weekdayIndex(written);
  return said === weekdayOf(date)
    ? { date, notes: [] }
    : { date, notes: [`You wrote ${WEEKDAY_NAMES[said]}, but that date is a ${WEEKDAY_NAMES[weekdayOf(date)]}; please check the start date.`] };
};
const withYearOrNext = (y: string | undefined, month: number, day: number, today: Ymd | undefined): Ymd | undefined =>
  y !== undefined ? makeDate(Number(y), month, day) : today ? nextOccurrence(month, day, today) : undefined;

/** A day and month in words, with or without a year; a day that doesn't exist is said, not guessed. */
function dayAndMonth(day: number, month: number, year: string | undefined, weekday: string | undefined, today: Ymd | undefined): Resolution | undefined {
  const date = withYearOrNext(year, month, day, today);
  if (date) return withWeekdayCheck(date, weekday);
  const monthName = MONTH_NAMES[month - 1] ?? '';
  // 2024 is a leap year: a day missing from it is missing from every year.
  if (!makeDate(2024, month, day)) return { problem: `There is no ${day} ${monthName}, so I left the start date empty.` };
  if (year !== undefined) return { problem: `There is no ${day} ${monthName} in ${year}, so I left the start date empty.` };
  return undefined;
}

const DATE_RULES: readonly { readonly pattern: RegExp; readonly kind: DateCandidate['kind']; readonly read: (m: RegExpExecArray) => DateCandidate['resolve'] }[] = [
  {
    // 2026-12-01, 2026/12/01
    pattern: /\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g,
    kind: 'absolute',
    read: (m) => () => {
      const date = makeDate(Number(m[1]), Number(m[2]), Number(m[3]));
      return date ? { date, notes: [] } : { problem: `${m[0]} is not a date, so I left the start date empty.` };
    },
  },
  {
    // 1 Dec, 1st of December 2026, Monday 1 December
    pattern: new RegExp(String.raw`\b(?:${WEEKDAY},?\s+(?:the\s+)?)?(\d{1,2})${ORDINAL}(?:\s+of)?\s+${MONTH}\.?(?:,?\s+(\d{4}))?\b`, 'gi'),
    kind: 'absolute',
    read: (m) => (today) => dayAndMonth(Number(m[2]), monthIndex(m[3] ?? ''), m[4], m[1], today),
  },
  {
    // Dec 1, December 1st, 2026
    pattern: new RegExp(String.raw`\b(?:${WEEKDAY},?\s+)?${MONTH}\.?\s+(?:the\s+)?(\d{1,2})${ORDINAL}(?:,?\s+(\d{4}))?\b`, 'gi'),
    kind: 'absolute',
    read: (m) => (today) => dayAndMonth(Number(m[3]), monthIndex(m[2] ?? ''), m[4], m[1], today),
  },
  {
    // 12/01, 12.01.2026, 1/12/26: day-month or month-day, said in notes when both read.
    pattern: /(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/]|\.\d)/g,
    kind: 'numeric',
    read: (m) => (today, monthFirst) => {
      const a = Number(m[1]);
      const b = Number(m[2]);
      const year = m[3] === undefined ? undefined : m[3].length === 2 ? String(2000 + Number(m[3])) : m[3];
      const dayFirstDate = a <= 31 && b <= 12 ? withYearOrNext(year, b, a, today) : undefined;
      const monthFirstDate = a <= 12 && b <= 31 ? withYearOrNext(year, a, b, today) : undefined;
      const preferred = monthFirst ? monthFirstDate ?? dayFirstDate : dayFirstDate ?? monthFirstDate;
      if (!preferred) return today || year !== undefined ? { problem: `I couldn't read ${m[0]} as a date, so I left the start date empty.` } : undefined;
      const other = preferred === dayFirstDate ? monthFirstDate : dayFirstDate;
      if (!other || iso(other) === iso(preferred)) return { date: preferred, notes: [] };
      const order = preferred === dayFirstDate ? 'day first' : 'month first';
      return {
        date: preferred,
        notes: [`${m[0]} could mean ${other.d} ${MONTH_NAMES[other.m - 1]} or ${preferred.d} ${MONTH_NAMES[preferred.m - 1]}; I read it ${order}. Writing the month as a word (or YYYY-MM-DD) avoids the doubt.`],
      };
    },
  },
  {
    // today, tomorrow, next week, (next) Monday, in 2 weeks
    pattern: new RegExp(String.raw`\b(?:(today)|(tomorrow)|(next week)|(?:(?:this|next|coming)\s+)?${WEEKDAY}|in\s+(\d{1,2}|one|two|three|four|five|six)\s+(days?|weeks?))\b`, 'gi'),
    kind: 'relative',
    read: (m) => (today) => {
      if (!today) return undefined;
      if (m[1]) return { date: today, notes: [] };
      if (m[2]) return { date: addDays(today, 1), notes: [] };
      if (m[3]) return { date: nextWeekday(1, today), notes: [] };
      if (m[4]) return { date: nextWeekday(weekdayIndex(m[4]), today), notes: [] };
      const words = ['one', 'two', 'three', 'four', 'five', 'six'];
      const count = /^\d+$/.test(m[5] ?? '') ? Number(m[5]) : words.indexOf((m[5] ?? '').toLowerCase()) + 1;
      return { date: addDays(today, count * (/^week/i.test(m[6] ?? '') ? 7 : 1)), notes: [] };
    },
  },
];

// Words that say the date that follows is the start date: right before it, or earlier in the
// same clause ("joins the Sales team on Monday").
const START_CUE_NEAR = /\b(?:starts?|starting|start date|begins?|beginning|joins?|joining|first day)\b[^,.;!?]{0,40}$/i;
const START_CUE = /\b(?:start(?:s|ing|ed)?|start date(?:\s+(?:is|of|will be))?|begin(?:s|ning)?|join(?:s|ing)?|first day(?:\s+(?:is|will be))?|from|as of|effective|commenc(?:es|ing)|arriv(?:es|ing))\s*(?:[:=-]\s*)?(?:on\s+|in\s+)?(?:the\s+)?$/i;

function findStartDate(text: string, context: MessageContext, taken: readonly Span[]): { value?: string; notes: string[]; joining?: boolean } {
  const candidates: DateCandidate[] = [];
  for (const rule of DATE_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (!overlaps(taken, start, end)) candidates.push({ start, end, kind: rule.kind, resolve: rule.read(m as RegExpExecArray) });
    }
  }
  // Earliest first; at the same place the longest reading ("Monday 1 December" over "Monday").
  candidates.sort((x, y) => x.start - y.start || y.end - x.end);
  const cued = (c: DateCandidate): boolean => {
    const before = text.slice(Math.max(0, c.start - 60), c.start);
    return START_CUE.test(before) || START_CUE_NEAR.test(before);
  };
  // A date after a start cue wins; otherwise only a date written out in full is taken.
  const chosen = candidates.find(cued) ?? candidates.find((c) => c.kind === 'absolute');
  if (!chosen) return { notes: [] };
  const today = parseIso(context.today);
  const monthFirst = MONTH_FIRST_REGIONS.test(context.locale ?? '');
  const resolution = chosen.resolve(today, monthFirst);
  if (!resolution) return { notes: [] };
  if ('problem' in resolution) return { notes: [resolution.problem] };
  const notes = [`I read the start date as ${spoken(resolution.date)}.`, ...resolution.notes];
  if (today && dayNumber(resolution.date) < dayNumber(today)) notes.push('That start date is in the past; please check it.');
  const joining = START_CUE_NEAR.test(text.slice(Math.max(0, chosen.start - 60), chosen.start));
  return { value: iso(resolution.date), notes, joining };
}

// ---------------------------------------------------------------------------------------
// Department, title, employee type

const DEPARTMENTS: readonly { readonly pattern: RegExp; readonly name: string }[] = [
  { pattern: /\bhuman resources\b/gi, name: 'Human Resources' },
  { pattern: /\bHR\b/g, name: 'Human Resources' },
  { pattern: /\bIT\b/g, name: 'IT' },
  { pattern: /\bR&D\b|\bresearch (?:and|&) development\b/gi, name: 'Research and Development' },
  { pattern: /\bcustomer (?:service|support)\b/gi, name: 'Customer Service' },
  { pattern: /\bmarketing\b/gi, name: 'Marketing' },
  { pattern: /\bsales\b/gi, name: 'Sales' },
  { pattern: /\bfinance\b/gi, name: 'Finance' },
  { pattern: /\baccounting\b/gi, name: 'Accounting' },
  { pattern: /\bengineering\b/gi, name: 'Engineering' },
  { pattern: /\bprocurement\b|\bpurchasing\b/gi, name: 'Procurement' },
  { pattern: /\bcompliance\b/gi, name: 'Compliance' },
  { pattern: /\blogistics\b/gi, name: 'Logistics' },
  // Common words too: only when written with a capital.
  { pattern: /\bLegal\b/g, name: 'Legal' },
  { pattern: /\bOperations\b/g, name: 'Operations' },
  { pattern: /\bRetail\b/g, name: 'Retail' },
  { pattern: /\bSupport\b/g, name: 'Support' },
  { pattern: /\bResearch\b/g, name: 'Research' },
  { pattern: /\bProduct\b(?!\s+[A-Z])/g, name: 'Product' },
  { pattern: /\bDesign\b(?!\s+[A-Z])/g, name: 'Design' },
  { pattern: /\bFacilities\b/g, name: 'Facilities' },
  { pattern: /\bSecurity\b/g, name: 'Security' },
  { pattern: /\bCommunications\b/g, name: 'Communications' },
  { pattern: /\bAdministration\b/g, name: 'Administration' },
];
const TEAM_PHRASE = /\b(?:in|into|of|for|to|joining|join|with)\s+(?:the|our)\s+((?:[\p{L}&][\p{L}\p{M}&'’-]*\s+){0,3}?[\p{L}&][\p{L}\p{M}&'’-]*)\s+(?:team|department|dept\.?|division|unit)\b/giu;
// "team is great" is not a department; "team: Platform" is.
const DEPARTMENT_LABEL = /\b(?:(?:department|dept\.?)\s*(?::|is)|team\s*:)\s*([\p{L}&][\p{L}\p{M}&'’ -]{0,62}[\p{L}\p{M}])/giu;

const capitaliseFirst = (s: string): string => (s === '' ? s : (Array.from(s)[0] ?? '').toUpperCase() + Array.from(s).slice(1).join(''));
const canonicalDepartment = (phrase: string): string | undefined => {
  for (const { pattern, name } of DEPARTMENTS) {
    const test = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace('g', ''));
    if (test.test(phrase)) return name;
  }
  return undefined;
};

function findDepartment(text: string, taken: readonly Span[]): string | undefined {
  for (const pattern of [TEAM_PHRASE, DEPARTMENT_LABEL]) {
    for (const m of text.matchAll(pattern)) {
      const phrase = (m[1] ?? '').replace(TITLE_END, '').trim();
      if (phrase === '' || /^(?:same|new|right|whole|other)$/i.test(phrase)) continue;
      const start = (m.index ?? 0) + m[0].indexOf(phrase);
      if (overlaps(taken, start, start + phrase.length)) continue;
      return canonicalDepartment(phrase) ?? capitaliseFirst(phrase);
    }
  }
  let best: { start: number; name: string } | undefined;
  for (const { pattern, name } of DEPARTMENTS) {
    for (const m of text.matchAll(pattern)) {
      const start = m.index ?? 0;
      if (overlaps(taken, start, start + m[0].length)) continue;
      if (!best || start < best.start) best = { start, name };
      break;
    }
  }
  return best?.name;
}

const EMPLOYEE_TYPES: readonly { readonly pattern: RegExp; readonly type: string; readonly note?: string }[] = [
  { pattern: /\b(?:contractors?|freelancers?|freelance|consultants?|temps?|temporary (?:worker|staff|hire))\b/i, type: 'Contractor' },
  { pattern: /\b(?:interns?|internship|trainees?|apprentices?|working students?|work[- ]experience)\b/i, type: 'Intern' },
  { pattern: /\b(?:vendors?|suppliers?)\b/i, type: 'Vendor' },
  {
    pattern: /\b(?:guests?|visitors?)\b/i,
    type: 'Vendor',
    note: 'Guests are usually invited (Entra B2B) rather than given an account; I set the employee type to Vendor — change it if that is wrong.',
  },
];
const EMPLOYEE = /\b(?:employees?|permanent|full[- ]time|part[- ]time|staff member|FTE)\b/i;

function findEmployeeType(text: string): { type?: string; notes: string[] } {
  const found = EMPLOYEE_TYPES
    .map((rule) => ({ rule, at: text.search(rule.pattern) }))
    .filter((f) => f.at >= 0)
    .sort((x, y) => x.at - y.at);
  const first = found[0];
  // "new employee" is often just "new person": a specific word (contractor, intern…) wins.
  if (!first) return EMPLOYEE.test(text) ? { type: 'Employee', notes: [] } : { notes: [] };
  const notes = first.rule.note ? [first.rule.note] : [];
  const others = [...new Set(found.map((f) => f.rule.type))].filter((t) => t !== first.rule.type);
  if (others.length > 0) notes.push(`The message mentions more than one kind of worker; I chose ${first.rule.type}.`);
  return { type: first.rule.type, notes };
}

const TITLE_AFTER_AS = /\b(?:as|hired as|joining as|starting as)\s+(?:an?|the|our|their|his|her)\s+([\p{L}][^,.;:!?()\n]{0,160})/giu;
const TITLE_LABEL = /\b(?:job title|title|role|position)\s*(?::|is|=|-)\s*([\p{L}][^,.;!?()\n]{0,160})/giu;
const TITLE_END = /\s+(?:starting|starts|start|from|on|in|at|for|with|reporting|reports|who|and|ticket|under|to|based|effective|beginning|begins|joining|next|tomorrow|today|please|thanks|asap|via|\d).*$/isu;
// "as Product Marketing Manager": without an article, "as" is usually "as of", "as soon as",
// "as discussed", so a bare "as" gives a title only when the title ends in a role noun.
const TITLE_AFTER_BARE_AS = /\b(?:as|hired as|joining as|starting as)\s+([\p{L}][^,.;:!?()\n]{0,160})/giu;
const TYPE_WORDS = /\s*\b(?:contractors?|employees?|interns?|vendors?|guests?|consultants?|freelancers?|temps?|trainees?|apprentices?|staff|member|hire|starter|joiner|person|colleague)\b\s*$/iu;
const ENDS_IN_ROLE = new RegExp(String.raw`\b(?:${ROLE_NOUNS.join('|')})$`, 'i');
const NOT_IN_A_TITLE = /^(?:of|as|a|an|the|soon|well|per|if|though|usual|discussed|agreed|requested|mentioned|i|we|you|he|she|they|it|is|was|be)$/i;

function findJobTitle(text: string): string | undefined {
  for (const pattern of [TITLE_LABEL, TITLE_AFTER_AS, TITLE_AFTER_BARE_AS]) {
    for (const m of text.matchAll(pattern)) {
      let title = (m[1] ?? '').replace(TITLE_END, '').trim();
      for (let i = 0; i < 3 && TYPE_WORDS.test(title); i++) title = title.replace(TYPE_WORDS, '').trim();
      // A role noun makes it a title even with a department word in it ("Marketing Manager").
      const role = ENDS_IN_ROLE.test(title);
      if (pattern === TITLE_AFTER_BARE_AS && (!role || title.split(' ').some((w) => NOT_IN_A_TITLE.test(w)))) continue;
      if (title === '' || title.split(' ').length > 8 || (!role && canonicalDepartment(title) !== undefined)) continue;
      if (/^(?:new|matter|favou?r|result|reminder|test|temporary|permanent|full[- ]time|part[- ]time)$/i.test(title)) continue;
      return capitaliseFirst(title);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// The whole message

/** Each value must fit its field; a value that doesn't is dropped, never cut into a wrong one. */
function fits(field: FormField, value: string | undefined): value is string {
  return value !== undefined && value !== '' && Array.from(value).length <= LIMITS[field] && !/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/u.test(value);
}

/**
 * Reads a plain chat message into a prefilled request form. Pure and deterministic: the
 * same text and context give the same result; it never throws and never creates anything.
 */
export function extractOnboardingRequest(text: string, context: MessageContext): MessageExtraction {
  try {
    return extract(text, context);
  } catch {
    // The rules are written not to throw; if one ever does, the person just gets an empty form.
    return { form: {}, isAccountRequest: false, notes: [] };
  }
}

function extract(raw: string, context: MessageContext): MessageExtraction {
  const text = normaliseMessageText(raw);
  const form: OnboardingForm = {};
  const notes: string[] = [];
  const put = (field: FormField, value: string | undefined): boolean => {
    if (!fits(field, value)) return false;
    form[field] = value;
    return true;
  };
  const known = new Set((context?.knownDomains ?? []).map((d) => String(d).toLowerCase()));
  const taken: Span[] = [];

  // Addresses first: their parts must not read as names, tickets or dates.
  const addresses = findAddresses(text);
  taken.push(...addresses);

  const managerAddress = addresses.find((a) => a.forManager);
  if (managerAddress) {
    const upn = `${managerAddress.local}@${managerAddress.domain}`.toLowerCase();
    if (/^[^\s@/\\?%]{1,64}@[a-z0-9.-]{1,48}$/.test(upn)) put('manager', upn);
  } else {
    for (const m of text.matchAll(MANAGER_NAME)) {
      const name = readNameForward(text, (m.index ?? 0) + m[0].length, 1);
      if (!name) continue;
      const full = name.words.join(' ');
      if (put('manager', full)) {
        taken.push(name);
        notes.push(`I put ${full} as the manager; I will look up their user name when you press Check and review.`);
      }
      break;
    }
  }

  const personAddress = addresses.find((a) => !a.forManager);
  if (personAddress) {
    const alias = personAddress.local.toLowerCase();
    const domainKnown = known.has(personAddress.domain);
    if (known.size > 0 && !domainKnown) {
      notes.push(`${personAddress.domain} is not one of the organisation's domains, so I didn't use ${alias}@${personAddress.domain} as the user name.`);
    } else if (isUsableAlias(alias)) {
      put('alias', alias);
      if (domainKnown) put('domain', personAddress.domain);
    }
  }

  const ticket = findTicket(text, taken);
  if (ticket && put('ticketReference', ticket.reference)) taken.push(ticket);

  const name = findNewPersonName(text, taken);
  let person: NewPerson | undefined;
  if (name) {
    const { given, surname } = splitName(name.words);
    if (fits('givenName', given) && fits('surname', surname) && fits('displayName', `${given} ${surname}`)) {
      put('givenName', given);
      put('surname', surname);
      put('displayName', `${given} ${surname}`);
      taken.push(name);
      person = name;
      if (name.words.length > 2) notes.push(`I took ${given} as the given name and ${surname} as the surname.`);
    }
  } else if (form.alias !== undefined && personAddress) {
    const parts = /^([a-z]{2,30})[._-]([a-z]{2,30})$/.exec(form.alias);
    if (parts && parts[1] && parts[2]) {
      const given = capitaliseFirst(parts[1]);
      const surname = capitaliseFirst(parts[2]);
      put('givenName', given);
      put('surname', surname);
      put('displayName', `${given} ${surname}`);
      notes.push(`I took the name ${given} ${surname} from ${form.alias}@${personAddress.domain}; please check the spelling.`);
    }
  }

  const start = findStartDate(text, context ?? { today: '' }, taken);
  put('startDate', start.value);
  notes.push(...start.notes);

  put('department', findDepartment(text, taken));
  put('jobTitle', findJobTitle(text));

  const employee = findEmployeeType(text);
  if (put('employeeType', employee.type)) notes.push(...employee.notes);

  const details = [form.ticketReference, form.department, form.employeeType, form.jobTitle].filter((v) => v !== undefined).length;
  const isAccountRequest = readsLikeAccountRequest(text)
    || readsLikeRequestForPerson(text, { ...(person ? { person } : {}), joiningDate: form.startDate !== undefined && start.joining === true, details });
  return { form, isAccountRequest, notes };
}
