/**
 * What the new person will do: department, job title and employee type. A department word
 * written alone ("Marketing") counts; common words ("Legal", "Support") only with a capital.
 */
import { capitaliseFirst } from './normalise.js';
import { overlaps, type Span } from './spans.js';
import { ROLE_NOUNS } from './vocabulary.js';

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
// Where a department or title phrase ends: the next clause of the sentence.
const PHRASE_END = /\s+(?:starting|starts|start|from|on|in|at|for|with|reporting|reports|who|and|ticket|under|to|based|effective|beginning|begins|joining|next|tomorrow|today|please|thanks|asap|via|\d).*$/isu;

const canonicalDepartment = (phrase: string): string | undefined => {
  for (const { pattern, name } of DEPARTMENTS) {
    const whole = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace('g', ''));
    if (whole.test(phrase)) return name;
  }
  return undefined;
};

export function findDepartment(text: string, taken: readonly Span[]): string | undefined {
  for (const pattern of [TEAM_PHRASE, DEPARTMENT_LABEL]) {
    for (const m of text.matchAll(pattern)) {
      const phrase = (m[1] ?? '').replace(PHRASE_END, '').trim();
      if (phrase === '' || /^(?:same|new|right|whole|other)$/i.test(phrase)) continue;
      const start = m.index + m[0].indexOf(phrase);
      if (overlaps(taken, start, start + phrase.length)) continue;
      return canonicalDepartment(phrase) ?? capitaliseFirst(phrase);
    }
  }
  let best: { start: number; name: string } | undefined;
  for (const { pattern, name } of DEPARTMENTS) {
    for (const m of text.matchAll(pattern)) {
      if (overlaps(taken, m.index, m.index + m[0].length)) continue;
      if (!best || m.index < best.start) best = { start: m.index, name };
      break;
    }
  }
  return best?.name;
}

const TITLE_AFTER_AS = /\b(?:as|hired as|joining as|starting as)\s+(?:an?|the|our|their|his|her)\s+([\p{L}][^,.;:!?()\n]{0,160})/giu;
const TITLE_LABEL = /\b(?:job title|title|role|position)\s*(?::|is|=|-)\s*([\p{L}][^,.;!?()\n]{0,160})/giu;
// "as Product Marketing Manager": without an article, "as" is usually "as of", "as soon as",
// "as discussed", so a bare "as" gives a title only when the title ends in a role noun.
const TITLE_AFTER_BARE_AS = /\b(?:as|hired as|joining as|starting as)\s+([\p{L}][^,.;:!?()\n]{0,160})/giu;
const TYPE_WORDS = /\s*\b(?:contractors?|employees?|interns?|vendors?|guests?|consultants?|freelancers?|temps?|trainees?|apprentices?|staff|member|hire|starter|joiner|person|colleague)\b\s*$/iu;
const ENDS_IN_ROLE = new RegExp(String.raw`\b(?:${ROLE_NOUNS.join('|')})$`, 'i');
const NOT_IN_A_TITLE = /^(?:of|as|a|an|the|soon|well|per|if|though|usual|discussed|agreed|requested|mentioned|i|we|you|he|she|they|it|is|was|be)$/i;
const NOT_A_TITLE = /^(?:new|matter|favou?r|result|reminder|test|temporary|permanent|full[- ]time|part[- ]time)$/i;

export function findJobTitle(text: string): string | undefined {
  for (const pattern of [TITLE_LABEL, TITLE_AFTER_AS, TITLE_AFTER_BARE_AS]) {
    for (const m of text.matchAll(pattern)) {
      let title = (m[1] ?? '').replace(PHRASE_END, '').trim();
      for (let i = 0; i < 3 && TYPE_WORDS.test(title); i++) title = title.replace(TYPE_WORDS, '').trim();
      // A role noun makes it a title even with a department word in it ("Marketing Manager").
      const role = ENDS_IN_ROLE.test(title);
      if (pattern === TITLE_AFTER_BARE_AS && (!role || title.split(' ').some((w) => NOT_IN_A_TITLE.test(w)))) continue;
      if (title === '' || title.split(' ').length > 8 || (!role && canonicalDepartment(title) !== undefined)) continue;
      if (NOT_A_TITLE.test(title)) continue;
      return capitaliseFirst(title);
    }
  }
  return undefined;
}

const EMPLOYEE_TYPES: readonly { readonly pattern: RegExp; readonly type: string; readonly note?: string }[] = [
  { pattern: /\b(?:contractors?|freelancers?|freelance|consultants?|temps?|temporary (?:worker|staff|hire))\b/i, type: 'Contractor' },
  { pattern: /\b(?:interns?|internship|trainees?|apprentices?|working students?|work[- ]experience)\b/i, type: 'Intern' },
  { pattern: /\b(?:vendors?|suppliers?)\b/i, type: 'Vendor' },
  {
    pattern: /\b(?:guests?|visitors?)\b/i,
    type: 'Vendor',
    note: 'Guests are invited (Entra B2B) rather than given an account: choose Guest on the form and give their work email. I set the employee type to Vendor — change it if that is wrong.',
  },
];
const EMPLOYEE = /\b(?:employees?|permanent|full[- ]time|part[- ]time|staff member|FTE)\b/i;

export function findEmployeeType(text: string): { type?: string; notes: string[] } {
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

// "contractor from Fabrikam", "consultant at Tailspin Toys": the organisation someone comes from.
const COMPANY = /\b(?:contractors?|consultants?|freelancers?|vendors?|suppliers?|partners?|guests?|staff|employees?|colleagues?|people)\s+(?:from|at|with|of)\s+((?:[A-Z][\p{L}\p{M}&'’.-]*)(?:\s+[A-Z][\p{L}\p{M}&'’.-]*){0,3})/gu;
const NOT_A_COMPANY = /^(?:the|our|their|a|an|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|today|tomorrow|next|ticket|inc)$/i;

export function findCompany(text: string, taken: readonly Span[]): string | undefined {
  for (const m of text.matchAll(COMPANY)) {
    const words = (m[1] ?? '').replace(/[.'’-]+$/, '').split(/\s+/);
    const kept: string[] = [];
    for (const word of words) {
      if (NOT_A_COMPANY.test(word) || canonicalDepartment(word) !== undefined) break;
      kept.push(word);
    }
    const name = kept.join(' ');
    if (name === '') continue;
    const start = m.index + m[0].lastIndexOf(m[1] ?? '');
    if (overlaps(taken, start, start + name.length)) continue;
    return name;
  }
  return undefined;
}
