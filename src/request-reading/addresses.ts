/**
 * E-mail addresses in the message: the new person's (its local part becomes the alias), the
 * manager's (right after "manager", "reporting to") or the new person's personal one, for the
 * welcome email (right after "personal email", "private address", "send the welcome email to"). Read before anything else, so the parts
 * of an address never read as a name, a ticket or a date.
 */
import { FIELD_LIMITS } from '../onboarding/request/request.js';
import type { Span } from './spans.js';

const EMAIL = /[A-Za-z0-9'._!#^~%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const ALIAS_CHARS = /^[A-Za-z0-9'.\-_!#^~]+$/;
const PERSONAL_CUE = /\b(?:(?:personal|private|home|own)\s+(?:e-?mail|mail)(?:\s+address)?|(?:personal|private|home)\s+address|welcome\s+(?:e-?mail|mail)\s+(?:goes\s+)?to|send\s+(?:the\s+)?welcome\s+(?:e-?mail|mail)\s+to)(?:\s+(?:is|will be))?\s*[:=-]?\s*$/i;
const MANAGER_CUE = /\b(?:manager|reporting to|reports to|report to|managed by|supervisor|line manager|boss)(?:\s+(?:is|will be|would be))?\s*[:=-]?\s*(?:is\s+)?$/i;

export interface Address extends Span {
  readonly local: string;
  /** Lower case, trailing dots and dashes (the sentence's own punctuation) removed. */
  readonly domain: string;
  readonly forManager: boolean;
  /** Named as the new person's personal address (for the welcome email), not their user name. */
  readonly forPersonal: boolean;
}

export function findAddresses(text: string): Address[] {
  const found: Address[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const start = m.index;
    if (start > 0 && /[A-Za-z0-9'._!#^~%+-]/.test(text[start - 1] ?? '')) continue; // local part longer than 64
    const [local = '', rawDomain = ''] = m[0].split('@');
    const domain = rawDomain.replace(/[.-]+$/, '').toLowerCase();
    const before = text.slice(Math.max(0, start - 40), start);
    const forPersonal = PERSONAL_CUE.test(before);
    const forManager = !forPersonal && MANAGER_CUE.test(before);
    found.push({ start, end: start + m[0].length, local, domain, forManager, forPersonal });
  }
  return found;
}

/** A local part the form accepts as an alias: allowed characters, no leading, trailing or double dot. */
export function isUsableAlias(alias: string): boolean {
  return alias.length <= FIELD_LIMITS.alias && ALIAS_CHARS.test(alias) && !alias.startsWith('.') && !alias.endsWith('.') && !alias.includes('..');
}

/** The manager's address as a user name, when it has the shape of one. */
export function managerUserName(address: Address): string | undefined {
  const upn = `${address.local}@${address.domain}`.toLowerCase();
  return /^[^\s@/\\?%]{1,64}@[a-z0-9.-]{1,48}$/.test(upn) ? upn : undefined;
}

/** The personal address as the form takes it: the local part as written, the domain in lower case. */
export function personalAddress(address: Address): string {
  return `${address.local}@${address.domain}`;
}
