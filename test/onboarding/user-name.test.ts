import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aliasCandidates, aliasPatterns, checkAlias, checkUserPrincipalName, deriveAlias, transliterateNamePart,
} from '../../src/onboarding/index.js';

describe('deriveAlias', () => {
  it.each([
    ['José', 'Núñez', 'given.surname', 'jose.nunez'],
    ['Jürgen', 'Groß', 'given.surname', 'jurgen.gross'],
    ['Søren', 'Kierkegaard', 'given.surname', 'soren.kierkegaard'],
    ['Łukasz', 'Żółć', 'given.surname', 'lukasz.zolc'],
    ['Ægir', 'Þórsson', 'given.surname', 'aegir.thorsson'],
    ['Œdipe', 'Ðurić', 'given.surname', 'oedipe.duric'],
    ['Işıl', 'Yılmaz', 'given.surname', 'isil.yilmaz'],
    ['Seán', "O'Brien", 'given.surname', "sean.o'brien"],
    ['Seán', 'O’Brien', 'given.surname', "sean.o'brien"],
    ['Anne-Marie', 'Smith-Jones', 'given.surname', 'anne-marie.smith-jones'],
    ['Mary Ann', 'van der Berg', 'given.surname', 'maryann.vanderberg'],
    ['José', 'Núñez', 'gsurname', 'jnunez'],
    ['José', 'Núñez', 'g.surname', 'j.nunez'],
    ['José', 'Núñez', 'givens', 'josen'],
    ['José', 'Núñez', 'givensurname', 'josenunez'],
    ['José', 'Núñez', 'surname.given', 'nunez.jose'],
  ] as const)('when %s %s with %s, then the alias is %s', (given, surname, pattern, alias) => {
    expect(deriveAlias(given, surname, pattern)).toEqual({ kind: 'derived', alias, mailNickname: alias });
  });

  it.each([
    ['山田', '太郎'],
    ['Иван', 'Петров'],
    ['محمد', 'علي'],
    ['José', 'Ψηλός'],
    ['!!!', '---'],
  ])('when the names are %s %s, then a person is asked for the alias (never a guess)', (given, surname) => {
    const result = deriveAlias(given, surname);
    expect(result.kind).toBe('alias_needed');
  });

  it('when the names are very long, then the alias is cut to 64 characters without a trailing dot', () => {
    const result = deriveAlias('a'.repeat(63), 'b'.repeat(40));
    expect(result.kind).toBe('derived');
    if (result.kind === 'derived') {
      expect(result.alias.length).toBeLessThanOrEqual(64);
      expect(result.alias.endsWith('.')).toBe(false);
    }
  });

  it('property: every derived alias obeys Graph’s rules, for any names and pattern', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), fc.string({ maxLength: 80, unit: 'grapheme' }), fc.constantFrom(...aliasPatterns), (g, s, p) => {
        const result = deriveAlias(g, s, p);
        if (result.kind === 'derived') {
          expect(checkAlias(result.alias)).toBeUndefined();
          expect(result.alias).toMatch(/^[a-z0-9'.-]{1,64}$/);
          expect(checkUserPrincipalName(result.alias, 'contoso.onmicrosoft.com')).toBeUndefined();
          expect(result.mailNickname).not.toMatch(/[@()\\[\]";:<>, ]/);
        } else {
          expect(result.reason.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: Latin names with accents always derive (never ask), and the accents are gone', () => {
    const latin = fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzáàâäãåçéèêëíìîïñóòôöõúùûüýÿßøłæœðþ') });
    fc.assert(
      fc.property(latin, latin, (g, s) => {
        const result = deriveAlias(g, s);
        expect(result.kind).toBe('derived');
        if (result.kind === 'derived') expect(result.alias).toMatch(/^[a-z.]+$/);
      }),
    );
  });

  it('property: transliteration is idempotent on its own output', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const once = transliterateNamePart(s);
        if (once.kind === 'ascii') expect(transliterateNamePart(once.value)).toEqual(once);
      }),
    );
  });
});

describe('checkUserPrincipalName', () => {
  it.each([
    ['jose.nunez', 'contoso.com', undefined],
    ["o'brien", 'contoso.com', undefined],
    ['a#b^c~d!e_f', 'contoso.com', undefined],
    ['$admin', 'contoso.com', "The user name may only use letters a–z, digits and ' . - _ ! # ^ ~ (no accents or spaces)."],
    ['jose.', 'contoso.com', 'The user name cannot end with a dot.'],
    ['.jose', 'contoso.com', 'The user name cannot start with a dot.'],
    ['jo..se', 'contoso.com', 'The user name cannot contain two dots in a row.'],
    ['josé', 'contoso.com', "The user name may only use letters a–z, digits and ' . - _ ! # ^ ~ (no accents or spaces)."],
    ['jo se', 'contoso.com', "The user name may only use letters a–z, digits and ' . - _ ! # ^ ~ (no accents or spaces)."],
    ['a'.repeat(65), 'contoso.com', 'The user name is longer than 64 characters.'],
    ['a'.repeat(64), `${'d'.repeat(46)}.io`, 'The domain is longer than 48 characters.'],
    ['a'.repeat(64), `${'d'.repeat(45)}.io`, undefined], // 64 + 1 + 48 = 113, the longest allowed
  ])('when the alias is %j at %s, then the problem is %j', (alias, domain, problem) => {
    expect(checkUserPrincipalName(alias, domain)).toBe(problem);
  });
});

describe('aliasCandidates', () => {
  it('when jose.nunez is taken, then the candidates are other patterns then numbers, all valid and distinct', () => {
    const candidates = aliasCandidates('jose.nunez', 'José', 'Núñez');
    expect(candidates.slice(0, 3)).toEqual(['josenunez', 'jnunez', 'j.nunez']);
    expect(candidates).toContain('jose.nunez2');
    expect(new Set(candidates).size).toBe(candidates.length);
    expect(candidates).not.toContain('jose.nunez');
    for (const c of candidates) expect(checkAlias(c)).toBeUndefined();
  });
});
