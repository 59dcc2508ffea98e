import { Secret } from '../credentials/secret.js';
import type { RandomSource } from '../kernel/ports.js';

/** How temporary passwords are made. Length never goes below 14, whatever the config says. */
export interface PasswordPolicy {
  readonly length: number;
  readonly avoidLookAlikes: boolean;
}

export const MIN_PASSWORD_LENGTH = 14;
export const defaultPasswordPolicy: PasswordPolicy = { length: 16, avoidLookAlikes: false };

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
// Symbols Entra accepts that survive copy-paste, chat rendering and keyboard layouts.
const SYMBOLS = '!#$%&*+-=?@^_~';
const LOOK_ALIKES = new Set(['I', 'l', '1', 'O', '0', 'o', '|']);

export interface CharacterClasses {
  readonly upper: string;
  readonly lower: string;
  readonly digits: string;
  readonly symbols: string;
}

export function characterClasses(policy: PasswordPolicy): CharacterClasses {
  const keep = (s: string): string => (policy.avoidLookAlikes ? Array.from(s).filter((c) => !LOOK_ALIKES.has(c)).join('') : s);
  return { upper: keep(UPPER), lower: keep(LOWER), digits: keep(DIGITS), symbols: keep(SYMBOLS) };
}

/** Lower-cased 3-character pieces of the names and alias: none may appear in the password. */
export function forbiddenFragments(words: readonly string[]): Set<string> {
  const fragments = new Set<string>();
  for (const word of words) {
    for (const piece of word.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      for (let i = 0; i + 3 <= piece.length; i += 1) fragments.add(piece.slice(i, i + 3));
    }
  }
  return fragments;
}

/** Every rule a generated password must meet; returns the broken rules (empty when fine). */
export function passwordViolations(password: string, policy: PasswordPolicy, fragments: ReadonlySet<string>): string[] {
  const classes = characterClasses(policy);
  const has = (set: string): boolean => Array.from(password).some((c) => set.includes(c));
  const out: string[] = [];
  if (password.length < Math.max(MIN_PASSWORD_LENGTH, policy.length)) out.push('too short');
  if (!has(classes.upper)) out.push('no upper-case letter');
  if (!has(classes.lower)) out.push('no lower-case letter');
  if (!has(classes.digits)) out.push('no digit');
  if (!has(classes.symbols)) out.push('no symbol');
  const all = classes.upper + classes.lower + classes.digits + classes.symbols;
  if (Array.from(password).some((c) => !all.includes(c))) out.push('character outside the alphabet');
  const lower = password.toLowerCase();
  for (let i = 0; i + 3 <= lower.length; i += 1) {
    if (fragments.has(lower.slice(i, i + 3))) {
      out.push('contains part of the name');
      break;
    }
  }
  return out;
}

/**
 * A temporary password: one character of each class placed at random, the rest from the
 * whole alphabet, shuffled (Fisher–Yates). Every draw goes through RandomSource.int, which
 * must be uniform (crypto.randomInt), so there is no modulo bias. Passwords containing a
 * fragment of the person's names are drawn again.
 */
export function generateTemporaryPassword(
  random: RandomSource,
  policy: PasswordPolicy,
  namesAndAlias: readonly string[],
): Secret {
  const length = Math.max(MIN_PASSWORD_LENGTH, Math.floor(policy.length));
  const classes = characterClasses(policy);
  const alphabet = classes.upper + classes.lower + classes.digits + classes.symbols;
  const fragments = forbiddenFragments(namesAndAlias);
  const pick = (set: string): string => set.charAt(random.int(set.length));
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const chars = [pick(classes.upper), pick(classes.lower), pick(classes.digits), pick(classes.symbols)];
    while (chars.length < length) chars.push(pick(alphabet));
    for (let i = chars.length - 1; i > 0; i -= 1) {
      const j = random.int(i + 1);
      [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
    }
    const candidate = chars.join('');
    if (passwordViolations(candidate, policy, fragments).length === 0) return new Secret(candidate);
  }
  // Only a broken RandomSource gets here (e.g. one that always returns 0).
  throw new Error('Could not generate a temporary password that meets the policy');
}
