/**
 * Long text (a results sheet, an audit export) in messages that each fit Teams: split at line
 * ends into parts whose JSON (escapes included) stays within a budget of UTF-16 code units.
 */
import { jsonSizeOf, partsWithin } from '../../onboarding/index.js';

/** The text's lines (each with its line end) in consecutive parts of at most `budget` UTF-16 code units as JSON. */
export function textInParts(text: string, budget: number): string[] {
  const lines = text.split(/(?<=\n)/).filter((line) => line !== '');
  return partsWithin(lines, (line) => jsonSizeOf(line) - 2, budget).map((part) => part.join(''));
}
