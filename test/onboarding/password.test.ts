import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_PASSWORD_LENGTH, characterClasses, cryptoRandom, defaultPasswordPolicy, forbiddenFragments, generateTemporaryPassword, passwordViolations,
  type RandomSource,
} from '../../src/onboarding/index.js';

/** Replays fast-check's integers as a RandomSource, so shrinking finds the smallest bad draw. */
function scriptedRandom(draws: number[]): RandomSource {
  let i = 0;
  return {
    int: (max) => {
      const d = draws[i % draws.length] ?? 0;
      i += 1;
      return Math.abs(d) % max;
    },
    uuid: () => 'x',
  };
}

const names = fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 4 });

describe('generateTemporaryPassword', () => {
  it('property: every generated password meets the policy (length, four classes, no name fragment)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 5, maxLength: 64 }),
        names,
        (length, avoidLookAlikes, draws, words) => {
          const policy = { length, avoidLookAlikes };
          let secret;
          try {
            secret = generateTemporaryPassword(scriptedRandom(draws), policy, words);
          } catch {
            return; // a degenerate scripted source (e.g. always 0) may be unable to satisfy the rules: it must say so
          }
          const value = secret.reveal();
          expect(value.length).toBe(Math.max(MIN_PASSWORD_LENGTH, length));
          expect(passwordViolations(value, policy, forbiddenFragments(words))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: with crypto randomness, passwords never contain a 3-character piece of the names, in any case', () => {
    fc.assert(
      fc.property(fc.constantFrom('José Núñez', 'Ann Lee', 'Bob Ray', 'Søren Kierkegaard'), (full) => {
        const words = [...full.split(' '), full.toLowerCase().replace(' ', '.')];
        const value = generateTemporaryPassword(cryptoRandom, { length: 16, avoidLookAlikes: false }, words).reveal().toLowerCase();
        for (const f of forbiddenFragments(words)) expect(value).not.toContain(f);
      }),
      { numRuns: 200 },
    );
  });

  it('when the default policy is used, then passwords are 16 characters and meet it', () => {
    const value = generateTemporaryPassword(cryptoRandom, defaultPasswordPolicy, []).reveal();
    expect(value).toHaveLength(16);
    expect(passwordViolations(value, defaultPasswordPolicy, new Set())).toEqual([]);
  });

  it.each([0, 8, 13])('when the configured length is %i, then passwords are still 14 characters', (length) => {
    expect(generateTemporaryPassword(cryptoRandom, { length, avoidLookAlikes: false }, []).reveal()).toHaveLength(14);
  });

  it('when look-alikes are to be avoided, then I l 1 O 0 o never appear', () => {
    for (let i = 0; i < 200; i += 1) {
      expect(generateTemporaryPassword(cryptoRandom, { length: 24, avoidLookAlikes: true }, []).reveal()).not.toMatch(/[Il1O0o|]/);
    }
  });

  it('when many passwords are drawn, then every character of the alphabet shows up at a plausible rate (no modulo bias source)', () => {
    const classes = characterClasses({ length: 16, avoidLookAlikes: false });
    const alphabet = classes.upper + classes.lower + classes.digits + classes.symbols;
    const counts = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i += 1) {
      for (const c of generateTemporaryPassword(cryptoRandom, { length: 16, avoidLookAlikes: false }, []).reveal()) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    for (const c of alphabet) expect(counts.get(c) ?? 0).toBeGreaterThan(0);
    expect([...counts.keys()].every((c) => alphabet.includes(c))).toBe(true);
  });

  it('when many passwords are drawn, then the four required characters are shuffled, not left in front in class order', () => {
    const classes = characterClasses({ length: 16, avoidLookAlikes: false });
    const firsts = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const first = generateTemporaryPassword(cryptoRandom, { length: 16, avoidLookAlikes: false }, []).reveal().charAt(0);
      firsts.add(classes.upper.includes(first) ? 'upper' : classes.lower.includes(first) ? 'lower' : classes.digits.includes(first) ? 'digit' : 'symbol');
    }
    // 200 draws all starting upper-case would happen with probability (26/76)^200, i.e. never.
    expect([...firsts].sort()).toEqual(['digit', 'lower', 'symbol', 'upper']);
  });

  it('when the random source is broken (always 0) and so can never avoid the name, then generation fails loudly instead of looping', () => {
    expect(() => generateTemporaryPassword({ int: () => 0, uuid: () => '' }, { length: 16, avoidLookAlikes: false }, ['Aaaron'])).toThrow(/policy/);
  });
});

describe('characterClasses', () => {
  it.each([
    [false, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789', '!#$%&*+-=?@^_~'],
    [true, 'ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#$%&*+-=?@^_~'],
  ])('when look-alikes are avoided is %s, then the classes are exactly the expected alphabets', (avoidLookAlikes, upper, lower, digits, symbols) => {
    expect(characterClasses({ length: 16, avoidLookAlikes })).toEqual({ upper, lower, digits, symbols });
  });
});

describe('forbiddenFragments', () => {
  it.each([
    [['jose'], ['jos', 'ose']],
    [['José'], ['jos', 'osé']],
    [['Ann Lee'], ['ann', 'lee']],
    [['jose.nunez'], ['jos', 'ose', 'nun', 'une', 'nez']],
    [['Anne-Marie 2nd'], ['ann', 'nne', 'mar', 'ari', 'rie', '2nd']],
    [['Al', 'Bo'], []],
  ])('when the words are %j, then the forbidden fragments are exactly %j', (words, fragments) => {
    expect([...forbiddenFragments(words)].sort()).toEqual([...fragments].sort());
  });
});

describe('passwordViolations', () => {
  const policy = { length: 16, avoidLookAlikes: false };
  it.each([
    ['Abcdefgh1!Abcdef', [], []],
    ['abcdefgh1!abcdefg', [], ['no upper-case letter']],
    ['ABCDEFGH1!ABCDEFG', [], ['no lower-case letter']],
    ['Abcdefghi!Abcdefg', [], ['no digit']],
    ['Abcdefgh12Abcdefg', [], ['no symbol']],
    ['Abc1!', [], ['too short']],
    ['xxJOSx1!Abqwerty', ['José', 'jose'], ['contains part of the name']],
    ['Abcdefgh1!Abcdef ', [], ['character outside the alphabet']],
    ['Abcdefgh1!Abcjos', ['José'], ['contains part of the name']],
    ['JOSabcdefg1!Abcd', ['José'], ['contains part of the name']],
    ['Abcdefgh1!Abc☃ef', [], ['character outside the alphabet']],
  ])('when the password is %j (names %j), then the broken rules are %j', (pw, words, expected) => {
    expect(passwordViolations(pw, policy, forbiddenFragments(words))).toEqual(expected);
  });
});

describe('passwordViolations with a configured length above the minimum', () => {
  it.each([
    ['Abcdefgh1!Abcdef', ['too short']],
    ['Abcdefgh1!Abcdefghij', []],
  ])('when the policy asks for 20 characters and the password is %j, then the broken rules are %j', (pw, expected) => {
    expect(passwordViolations(pw, { length: 20, avoidLookAlikes: false }, new Set())).toEqual(expected);
  });

  it('when look-alikes are avoided, then a password holding one breaks the alphabet rule', () => {
    expect(passwordViolations('Abcdefgh2!Abcdel', { length: 16, avoidLookAlikes: true }, new Set())).toEqual(['character outside the alphabet']);
  });
});
