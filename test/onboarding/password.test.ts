import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_PASSWORD_LENGTH, characterClasses, cryptoRandom, forbiddenFragments, generateTemporaryPassword, passwordViolations,
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

  it('when the random source is broken (always 0) and so can never avoid the name, then generation fails loudly instead of looping', () => {
    expect(() => generateTemporaryPassword({ int: () => 0, uuid: () => '' }, { length: 16, avoidLookAlikes: false }, ['Aaaron'])).toThrow(/policy/);
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
  ])('when the password is %j (names %j), then the broken rules are %j', (pw, words, expected) => {
    expect(passwordViolations(pw, policy, forbiddenFragments(words))).toEqual(expected);
  });
});
