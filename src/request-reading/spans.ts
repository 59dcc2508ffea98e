/**
 * Where in the message a value was read. Once an address, a ticket or a name has claimed a
 * stretch of text, later rules pass over it: "adele.vance@contoso.com" is not also a name,
 * and "INC-4711" is not also a date.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export const overlaps = (spans: readonly Span[], start: number, end: number): boolean =>
  spans.some((s) => start < s.end && s.start < end);
