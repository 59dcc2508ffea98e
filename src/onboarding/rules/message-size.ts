/**
 * How much one Teams message may carry, as a rule the domain can apply without Teams: a bot
 * message may be about 100 KB counted in UTF-16 (2 bytes a code unit), Microsoft recommends
 * staying within 80 KB, and past the limit Teams refuses it (413 MessageSizeTooBig)
 * — https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/format-your-bot-messages.
 * What can grow with the data (a bulk's credentials, an audit export) is split into parts that
 * each fit this budget.
 */

/** 80 KB in UTF-16: what one message (or one invoke answer) is planned to hold at most. */
export const MESSAGE_BUDGET_UTF16 = 40_000;

/** UTF-16 code units a text takes inside a JSON message (its quotes and escapes included). */
export function jsonSizeOf(text: string): number {
  return JSON.stringify(text).length;
}

/**
 * Consecutive parts of `items`, each as long as fits `budget` by `sizeOf` (an item larger
 * than the budget on its own still gets a part of its own); none when there are no items.
 */
export function partsWithin<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && used + size > budget) {
      parts.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
