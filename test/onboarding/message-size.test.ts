/** The domain's size rule for Teams messages (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages): what grows with the data is split into parts that fit. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_BUDGET_UTF16, jsonSizeOf, partsWithin } from '../../src/onboarding/index.js';

describe('parts within a message budget', () => {
  it.each([
    [[], 10, []],
    [[3, 3, 3], 10, [[3, 3, 3]]],
    [[3, 3, 3, 3], 10, [[3, 3, 3], [3]]],
    [[12, 1], 10, [[12], [1]]],
    [[1, 12, 1], 10, [[1], [12], [1]]],
    [[5, 5, 5], 10, [[5, 5], [5]]],
  ])('when items of sizes %j meet a budget of %i, then the parts are %j', (items, budget, parts) => {
    expect(partsWithin(items, (n) => n, budget)).toEqual(parts);
  });

  it('property: the parts keep every item in order, and each part fits unless one item alone is larger', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (sizes, budget) => {
      const parts = partsWithin(sizes, (n) => n, budget);
      expect(parts.flat()).toEqual(sizes);
      for (const part of parts) expect(part.length === 1 || part.reduce((a, b) => a + b, 0) <= budget).toBe(true);
    }));
  });

  it('counts text as JSON carries it in UTF-16: quotes, escapes and astral characters included', () => {
    expect(jsonSizeOf('Ana')).toBe(5);
    expect(jsonSizeOf('Zoë "Z"')).toBe(11);
    expect(jsonSizeOf('😀')).toBe(4);
    expect(MESSAGE_BUDGET_UTF16 * 2).toBe(80_000);
  });
});
