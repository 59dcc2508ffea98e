/**
 * Who the message is about: the new person (after "for", "named", "set up", or before
 * "needs", "starts") and the manager named after "reporting to" or "manager".
 */
import { isNameWord, readNameBackward, readNameForward, type NameRead } from './names.js';
import { overlaps, type Span } from './spans.js';
import { ROLE_NOUNS } from './vocabulary.js';

const NAME_AFTER = /\b(named|called|name is|name:|for|onboard(?:ing)?|set\s?up|create|provision|invite|new (?:starter|hire|joiner|user|employee|colleague)\s*[:,-]?)\s+/giu;
const NAME_BEFORE = /\s+(?:needs|will need|is joining|joins|will be joining|is starting|starts|will start|is a new)\b/gi;

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

// Capitalised words after "set up" or "create" that make a thing, not a person ("set up
// Conditional Access for Adele Vance", "create Teams Channel"): such a "name" is passed over.
const THING_WORDS = new Set([
  'access', 'mailbox', 'channel', 'channels', 'teams', 'group', 'list', 'site', 'folder', 'drive', 'onedrive', 'sharepoint',
  'outlook', 'office', 'microsoft', 'azure', 'entra', 'intune', 'windows', 'laptop', 'phone', 'printer', 'licence', 'license',
  'meeting', 'call', 'report', 'dashboard', 'workspace', 'flow', 'automate', 'policy', 'conditional', 'shared', 'distribution',
  'calendar', 'room', 'server', 'database', 'backup', 'portal', 'app', 'bot', 'pipeline', 'project', 'board', 'page', 'form', 'template',
]);

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

/** The new person's name and the words that introduced it (intent.ts reads the cue). */
export interface NewPerson extends NameRead {
  /** The words that introduced the name ("for", "set up", "starts"), as written. */
  readonly cue: string;
  readonly cueStart: number;
}

export function findNewPersonName(text: string, taken: readonly Span[]): NewPerson | undefined {
  for (const m of text.matchAll(NAME_AFTER)) {
    const cueStart = m.index;
    const from = cueStart + m[0].length;
    if (overlaps(taken, from, from + 1)) continue;
    const cue = (m[1] ?? '').replace(/\s+/g, ' ');
    const skipped = afterPersonIntro(text, from);
    const name = (skipped !== undefined && !overlaps(taken, skipped, skipped + 1) ? readNameForward(text, skipped, 2) : undefined)
      ?? readNameForward(text, from, 2);
    if (name && !name.words.some((word) => THING_WORDS.has(word.toLowerCase()))) return { ...name, cue, cueStart };
  }
  for (const m of text.matchAll(NAME_BEFORE)) {
    const name = readNameBackward(text, m.index);
    if (name && !overlaps(taken, name.start, name.end)) return { ...name, cue: m[0].trim(), cueStart: m.index };
  }
  return undefined;
}

const MANAGER_NAME = /\b(?:reporting to|reports to|report to|managed by|(?:line )?manager(?:\s+(?:is|will be|would be))?\s*[:=-]?|supervisor(?:\s+is)?\s*:?)\s+/gi;

/** The first name after a manager cue ("reporting to Megan Bowen", "reports to Megan"). */
export function findManagerName(text: string): NameRead | undefined {
  for (const m of text.matchAll(MANAGER_NAME)) {
    const name = readNameForward(text, m.index + m[0].length, 1);
    if (name) return name;
  }
  return undefined;
}
