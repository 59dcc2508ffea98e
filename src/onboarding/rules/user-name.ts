/**
 * User names: the UPN alias and mailNickname derived from a person's names, and Graph's
 * rules for them (resources/user.md): alias characters A-Z a-z 0-9 ' . - _ ! # ^ ~,
 * at most 64 before '@', 48 after, 113 in all, no '.' right before '@'.
 */

export const UPN_ALIAS_MAX = 64;
export const UPN_DOMAIN_MAX = 48;
export const UPN_MAX = 113;
export const MAIL_NICKNAME_MAX = 64;

/** How an alias is built from the names. */
export type AliasPattern = 'given.surname' | 'givensurname' | 'gsurname' | 'g.surname' | 'givens' | 'surname.given';
export const aliasPatterns: readonly AliasPattern[] = ['given.surname', 'givensurname', 'gsurname', 'g.surname', 'givens', 'surname.given'];

/** Letters NFD cannot take apart (ß, ø, ł, æ …) spelled the way people do in user names. */
const LATIN_SPECIALS: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'ss', æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l',
  đ: 'd', Đ: 'd', ð: 'd', Ð: 'd', þ: 'th', Þ: 'th', ı: 'i', ħ: 'h', Ħ: 'h', ŧ: 't', Ŧ: 't',
  ŀ: 'l', Ŀ: 'l', ŋ: 'ng', Ŋ: 'ng', ſ: 's', ĸ: 'k', ƒ: 'f', ĳ: 'ij', Ĳ: 'ij',
};

/** Typographic apostrophes people type in names (O’Brien) become the ASCII one Graph allows. */
const APOSTROPHES = /[\u2019\u2018\u02BC\u02B9\u0060\u00B4]/g;
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2212]/g;

export type TransliterationResult =
  | { readonly kind: 'ascii'; readonly value: string }
  | { readonly kind: 'untransliterable'; readonly characters: string };

/**
 * Spells a name part in the ASCII letters a user name may use: accents dropped, special
 * Latin letters spelled out, apostrophes and hyphens kept, spaces and other punctuation
 * dropped. Letters of other scripts (CJK, Cyrillic, Arabic …) are not guessed.
 */
export function transliterateNamePart(part: string): TransliterationResult {
  const mapped = Array.from(part.normalize('NFC').replace(APOSTROPHES, "'").replace(DASHES, '-'))
    .map((ch) => LATIN_SPECIALS[ch] ?? ch)
    .join('')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();
  let value = '';
  const foreign: string[] = [];
  for (const ch of mapped) {
    if (/[a-z0-9'-]/.test(ch)) value += ch;
    else if (/[\p{L}\p{N}]/u.test(ch)) foreign.push(ch);
    // anything else (spaces, dots, commas) separates words of a name: dropped
  }
  if (foreign.length > 0) return { kind: 'untransliterable', characters: foreign.join('') };
  // An apostrophe or hyphen at the edge of a part carries no meaning and reads badly.
  return { kind: 'ascii', value: value.replace(/^['-]+|['-]+$/g, '').replace(/([-'])[-']+/g, '$1') };
}

export type AliasDerivation =
  | { readonly kind: 'derived'; readonly alias: string; readonly mailNickname: string }
  | { readonly kind: 'alias_needed'; readonly reason: string };

function firstLetter(s: string): string {
  return /[a-z0-9]/.exec(s)?.[0] ?? '';
}

function applyPattern(pattern: AliasPattern, given: string, surname: string): string {
  switch (pattern) {
    case 'given.surname': return `${given}.${surname}`;
    case 'givensurname': return `${given}${surname}`;
    case 'gsurname': return `${firstLetter(given)}${surname}`;
    case 'g.surname': return `${firstLetter(given)}.${surname}`;
    case 'givens': return `${given}${firstLetter(surname)}`;
    case 'surname.given': return `${surname}.${given}`;
  }
}

/** Makes a candidate alias obey Graph's shape rules: length, no leading/trailing/double dots. */
export function tidyAlias(raw: string, maxLength = UPN_ALIAS_MAX): string {
  let alias = raw.replace(/\.{2,}/g, '.').replace(/^[.'-]+/, '');
  if (alias.length > maxLength) alias = alias.slice(0, maxLength);
  return alias.replace(/[.]+$/, '');
}

/** Derives the UPN alias and mailNickname from the names, or says why a person must choose. */
export function deriveAlias(givenName: string, surname: string, pattern: AliasPattern = 'given.surname'): AliasDerivation {
  const given = transliterateNamePart(givenName);
  const sur = transliterateNamePart(surname);
  for (const [part, label] of [[given, 'given name'], [sur, 'surname']] as const) {
    if (part.kind === 'untransliterable') {
      return { kind: 'alias_needed', reason: `The ${label} uses letters (${part.characters}) we don't spell in Latin letters automatically.` };
    }
  }
  if (given.kind !== 'ascii' || sur.kind !== 'ascii') throw new Error('unreachable');
  if (!/[a-z0-9]/.test(given.value) || !/[a-z0-9]/.test(sur.value)) {
    return { kind: 'alias_needed', reason: 'The names have no letters we can use in a user name.' };
  }
  const alias = tidyAlias(applyPattern(pattern, given.value, sur.value));
  const problem = checkAlias(alias);
  if (problem) return { kind: 'alias_needed', reason: problem };
  return { kind: 'derived', alias, mailNickname: mailNicknameFor(alias) };
}

/** mailNickname: the alias, minus the few characters Exchange refuses in it. */
export function mailNicknameFor(alias: string): string {
  return alias.replace(/[@()\\[\]";:<>, ]/g, '').slice(0, MAIL_NICKNAME_MAX);
}

const ALIAS_CHARS = /^[A-Za-z0-9'.\-_!#^~]+$/;

/** Graph's rule for the part before '@'; returns a sentence when broken, undefined when fine. */
export function checkAlias(alias: string): string | undefined {
  if (alias.length === 0) return 'The user name is empty.';
  if (alias.length > UPN_ALIAS_MAX) return `The user name is longer than ${UPN_ALIAS_MAX} characters.`;
  if (!ALIAS_CHARS.test(alias)) return "The user name may only use letters a–z, digits and ' . - _ ! # ^ ~ (no accents or spaces).";
  if (alias.startsWith('.')) return 'The user name cannot start with a dot.';
  if (alias.endsWith('.')) return 'The user name cannot end with a dot.';
  if (alias.includes('..')) return 'The user name cannot contain two dots in a row.';
  return undefined;
}

/** Graph's rule for a whole UPN given its domain; returns a sentence when broken. */
export function checkUserPrincipalName(alias: string, domain: string): string | undefined {
  const aliasProblem = checkAlias(alias);
  if (aliasProblem) return aliasProblem;
  if (domain.length > UPN_DOMAIN_MAX) return `The domain is longer than ${UPN_DOMAIN_MAX} characters.`;
  if (alias.length + 1 + domain.length > UPN_MAX) return `The full user name is longer than ${UPN_MAX} characters.`;
  return undefined;
}

/**
 * Other aliases to try when the wanted one is taken: the other patterns first (they read
 * naturally), then numbered variants. They are candidates only: the workflow checks each.
 */
export function aliasCandidates(taken: string, givenName: string, surname: string): string[] {
  const out: string[] = [];
  const add = (a: string): void => {
    if (a !== taken && !out.includes(a) && checkAlias(a) === undefined) out.push(a);
  };
  for (const pattern of aliasPatterns) {
    const d = deriveAlias(givenName, surname, pattern);
    if (d.kind === 'derived') add(d.alias);
  }
  for (let n = 2; n <= 9; n += 1) add(`${tidyAlias(taken, UPN_ALIAS_MAX - 1)}${n}`);
  return out;
}
