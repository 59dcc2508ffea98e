import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aliasCandidates, aliasPatterns, checkAlias, checkUserPrincipalName, deriveAlias, mailNicknameFor, tidyAlias, transliterateNamePart,
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

describe('transliterateNamePart', () => {
  // Every letter NFD cannot take apart, in both cases where it has two: dropping one silently shortens a user name.
  it.each([
    ['ß', 'ss'], ['ẞ', 'ss'], ['æ', 'ae'], ['Æ', 'ae'], ['œ', 'oe'], ['Œ', 'oe'], ['ø', 'o'], ['Ø', 'o'], ['ł', 'l'], ['Ł', 'l'],
    ['đ', 'd'], ['Đ', 'd'], ['ð', 'd'], ['Ð', 'd'], ['þ', 'th'], ['Þ', 'th'], ['ı', 'i'], ['ħ', 'h'], ['Ħ', 'h'], ['ŧ', 't'], ['Ŧ', 't'],
    ['ŀ', 'l'], ['Ŀ', 'l'], ['ŋ', 'ng'], ['Ŋ', 'ng'], ['ſ', 's'], ['ĸ', 'k'], ['ƒ', 'f'], ['ĳ', 'ij'], ['Ĳ', 'ij'],
  ])('when a name holds %s, then it is spelled %s', (letter, spelling) => {
    expect(transliterateNamePart(`a${letter}a`)).toEqual({ kind: 'ascii', value: `a${spelling}a` });
  });

  it.each([
    ['O\u2019Brien', "o'brien"], ['O\u2018Brien', "o'brien"], ['O\u02BCBrien', "o'brien"], ['O\u02B9Brien', "o'brien"],
    ['O\u0060Brien', "o'brien"], ['O\u00B4Brien', "o'brien"],
    ['Anne\u2010Marie', 'anne-marie'], ['Anne\u2011Marie', 'anne-marie'], ['Anne\u2012Marie', 'anne-marie'],
    ['Anne\u2013Marie', 'anne-marie'], ['Anne\u2014Marie', 'anne-marie'], ['Anne\u2212Marie', 'anne-marie'],
  ])('when a typographic apostrophe or dash is typed (%j), then it becomes the ASCII one: %s', (part, value) => {
    expect(transliterateNamePart(part)).toEqual({ kind: 'ascii', value });
  });

  it.each([
    ["--'Anne", 'anne'],
    ["Anne-'-", 'anne'],
    ['Anne---Marie', 'anne-marie'],
    ["O''Brien", "o'brien"],
    ["Anne-'Marie", 'anne-marie'],
  ])('when %j has apostrophes or hyphens at its edges or in a row, then %s keeps one inside and none at the edges', (part, value) => {
    expect(transliterateNamePart(part)).toEqual({ kind: 'ascii', value });
  });
});

describe('tidyAlias', () => {
  it.each([
    ['jose..nunez', 'jose.nunez'],
    ['jose...nunez', 'jose.nunez'],
    [".'-jose", 'jose'],
    ['..jose', 'jose'],
    ['jose.', 'jose'],
    ['jose...', 'jose'],
    [`${'a'.repeat(63)}.b`, 'a'.repeat(63)],
    ['jose.nunez', 'jose.nunez'],
  ])('when the candidate is %j, then the tidy alias is %j', (raw, alias) => {
    expect(tidyAlias(raw)).toBe(alias);
  });

  it('when a shorter maximum is asked for, then the alias is cut to it', () => {
    expect(tidyAlias('a'.repeat(70), 63)).toBe('a'.repeat(63));
  });
});

describe('mailNicknameFor', () => {
  it.each([
    ['jose.nunez', 'jose.nunez'],
    ['j(o)s[e]@n;u:n<e>z, "x"\\', 'josenunezx'],
    ['a'.repeat(70), 'a'.repeat(64)],
  ])('when the alias is %j, then the mailNickname is %j', (alias, nickname) => {
    expect(mailNicknameFor(alias)).toBe(nickname);
  });
});

describe('deriveAlias when one name has no usable letter', () => {
  it.each([
    ['José', '---'],
    ['!!!', 'Núñez'],
    ["'", 'Núñez'],
  ])('when the names are %j %j, then a person is asked for the alias', (given, surname) => {
    expect(deriveAlias(given, surname)).toEqual({ kind: 'alias_needed', reason: 'The names have no letters we can use in a user name.' });
  });
});

describe('checkUserPrincipalName', () => {
  it.each([
    ['jose.nunez', 'contoso.com', undefined],
    ["o'brien", 'contoso.com', undefined],
    ['a#b^c~d!e_f', 'contoso.com', undefined],
    ['', 'contoso.com', 'The user name is empty.'],
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

  it('when the taken alias is one of the patterns, then the numbered candidates 2 to 9 follow the other patterns', () => {
    const candidates = aliasCandidates('jose.nunez', 'José', 'Núñez');
    expect(candidates).toEqual([
      'josenunez', 'jnunez', 'j.nunez', 'josen', 'nunez.jose',
      'jose.nunez2', 'jose.nunez3', 'jose.nunez4', 'jose.nunez5', 'jose.nunez6', 'jose.nunez7', 'jose.nunez8', 'jose.nunez9',
    ]);
  });

  it('when the names cannot be spelled in Latin letters, then only numbered variants of the typed alias are offered', () => {
    const candidates = aliasCandidates('ivan.petrov', 'Иван', 'Петров');
    expect(candidates).toEqual(['ivan.petrov2', 'ivan.petrov3', 'ivan.petrov4', 'ivan.petrov5', 'ivan.petrov6', 'ivan.petrov7', 'ivan.petrov8', 'ivan.petrov9']);
  });

  it('when the taken alias is already 64 characters, then the numbered variants are cut to fit 64', () => {
    const taken = 'a'.repeat(64);
    const candidates = aliasCandidates(taken, 'Иван', 'Петров');
    expect(candidates).toHaveLength(8);
    expect(candidates[0]).toBe(`${'a'.repeat(63)}2`);
    for (const c of candidates) expect(c).toHaveLength(64);
  });

  it('when the taken alias has characters Graph refuses, then no candidate carries them', () => {
    expect(aliasCandidates('jo se', 'Иван', 'Петров')).toEqual([]);
  });
});
