/**
 * A manager's plain message ("please create an account for Adele Vance, Marketing,
 * contractor, starts 1 Dec, ticket INC-4711") read into a PREFILLED request form.
 *
 * Deliberately deterministic rules, not a language model: the same words always give the
 * same form, a person can predict and correct it, and nothing here creates anything — the
 * bot opens the card with these values and the person confirms or edits them. When a rule
 * has to guess (a numeric date, a name split, a guest), it says so in `notes`. The new person's
 * address at another organisation (not one of the tenant's domains) prepares a guest invitation.
 *
 * The rules are written not to throw on any text (a property test feeds them hostile input
 * and would see a throw), and every value returned fits the form's limits; an oversized or
 * odd value is left out rather than cut into a wrong one.
 */
import { FIELD_LIMITS, guestEmailProblem, personalEmailProblem, type FormField, type OnboardingForm } from '../onboarding/request/request.js';
import { say } from '../onboarding/kernel/sentences.js';
import { findAddresses, isUsableAlias, managerUserName, personalAddress, type Address } from './addresses.js';
import { findEndDate, findStartDate } from './dates.js';
import { findCompany, findDepartment, findEmployeeType, findJobTitle } from './details.js';
import { readsLikeAccountRequest } from './intent.js';
import { splitName } from './names.js';
import { capitaliseFirst, normaliseMessageText } from './normalise.js';
import { findManagerName, findNewPersonName, type NewPerson } from './people.js';
import type { Span } from './spans.js';
import { findTicket } from './ticket.js';

export { MESSAGE_TEXT_CAP, normaliseMessageText } from './normalise.js';

export interface MessageExtraction {
  /** Fields recognised, as strings the form accepts (startDate as YYYY-MM-DD). */
  readonly form: OnboardingForm;
  /** True when the message reads like an account request at all (so the bot opens the form). */
  readonly isAccountRequest: boolean;
  /** Short notes for the person, e.g. "I read the start date as Tuesday 1 December 2026." */
  readonly notes: readonly string[];
}

export interface MessageContext {
  /** The requester's today, YYYY-MM-DD: relative dates and year-less dates resolve from it. */
  readonly today: string;
  /** The tenant's domains: an address on one of them fills alias and domain. */
  readonly knownDomains?: readonly string[];
  /**
   * The sender's locale (Teams `activity.locale`, e.g. "en-US"). Only used to read an
   * ambiguous numeric date: month first for US-style locales, day first otherwise.
   */
  readonly locale?: string;
}

/** Each value must fit its field; a value that doesn't is dropped, never cut into a wrong one. */
function fits(field: FormField, value: string | undefined): value is string {
  return value !== undefined && value !== '' && Array.from(value).length <= FIELD_LIMITS[field] && !/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/u.test(value);
}

/**
 * Reads a plain chat message into a prefilled request form. Pure and deterministic: the
 * same text and context give the same result, and it never creates anything.
 */
export function extractOnboardingRequest(raw: string, context: MessageContext): MessageExtraction {
  const text = normaliseMessageText(raw);
  const form: OnboardingForm = {};
  const notes: string[] = [];
  const put = (field: FormField, value: string | undefined): boolean => {
    if (!fits(field, value)) return false;
    form[field] = value;
    return true;
  };
  const known = new Set((context?.knownDomains ?? []).map((d) => String(d).toLowerCase()));
  const taken: Span[] = [];

  // Addresses first: their parts must not read as names, tickets or dates.
  const addresses = findAddresses(text);
  taken.push(...addresses);

  const managerAddress = addresses.find((a) => a.forManager);
  if (managerAddress) {
    put('manager', managerUserName(managerAddress));
  } else {
    const manager = findManagerName(text);
    if (manager && put('manager', manager.words.join(' '))) {
      taken.push(manager);
      notes.push(`I put ${form.manager} as the manager; I will look up their user name when you press Check and review.`);
    }
  }

  const personAddress = addresses.find((a) => !a.forManager && !a.forPersonal);
  const guest = personAddress ? readGuestAddress(personAddress, known) : undefined;
  if (guest?.email !== undefined && put('guestEmail', guest.email)) put('accountKind', 'guest');
  notes.push(...(guest?.notes ?? []));
  const invited = form.accountKind === 'guest';

  const personal = addresses.find((a) => a.forPersonal);
  if (personal && invited) {
    notes.push(`I left out ${personalAddress(personal)}: a guest gets the invitation at their work email, not a welcome email.`);
  } else if (personal) {
    const problem = personalEmailProblem(personalAddress(personal), [...known]);
    if (problem) notes.push(problem);
    else if (put('personalEmail', personalAddress(personal))) notes.push(`I put ${form.personalEmail} as the personal email: the welcome email goes there (never the password).`);
  }

  if (personAddress && !guest) notes.push(...putAlias(personAddress, known, put));

  const ticket = findTicket(text, taken);
  if (ticket && put('ticketReference', ticket.reference)) taken.push(ticket);

  const person = findNewPersonName(text, taken);
  const named = person !== undefined && putName(person, put);
  if (named) {
    taken.push(person);
    if (person.words.length > 2) notes.push(`I took ${form.givenName} as the given name and ${form.surname} as the surname.`);
  } else if (!person && personAddress && (form.alias !== undefined || invited)) {
    notes.push(...putNameFromAlias(form.alias ?? personAddress.local.toLowerCase(), personAddress, put));
  }

  // The end date first: "until 31 March" is no start date.
  const end = findEndDate(text, context ?? { today: '' }, taken);
  if (end.span) taken.push(end.span);
  const start = findStartDate(text, context ?? { today: '' }, taken);
  put('startDate', start.value);
  notes.push(...start.notes);
  if (end.value !== undefined && form.startDate !== undefined && end.value < form.startDate) {
    notes.push(`The end date I read (${end.value}) is before the start date, so I left the end date empty.`);
  } else {
    put('endDate', end.value);
    notes.push(...end.notes);
  }

  put('department', findDepartment(text, taken));
  put('companyName', findCompany(text, taken));
  put('jobTitle', findJobTitle(text));

  const employee = findEmployeeType(text);
  if (put('employeeType', employee.type)) notes.push(...employee.notes);

  const details = [form.ticketReference, form.department, form.employeeType, form.jobTitle].filter((v) => v !== undefined).length;
  const isAccountRequest = readsLikeAccountRequest(text, {
    person: named ? person : undefined, joiningDate: form.startDate !== undefined && start.joining, details, personAddress: personAddress !== undefined,
  });
  return { form, isAccountRequest, notes };
}

type Put = (field: FormField, value: string | undefined) => boolean;

/** The new person's address gives the alias, and the domain when it is one of the tenant's. */
function putAlias(address: Address, known: ReadonlySet<string>, put: Put): string[] {
  const alias = address.local.toLowerCase();
  const domainKnown = known.has(address.domain);
  if (known.size > 0 && !domainKnown) {
    return [`${address.domain} is not one of the organisation's domains, so I didn't use ${alias}@${address.domain} as the user name.`];
  }
  if (isUsableAlias(alias)) {
    put('alias', alias);
    if (domainKnown) put('domain', address.domain);
  }
  return [];
}

/**
 * The new person's address at another organisation — on none of the tenant's domains — is who to
 * invite as a guest (undefined when it is on one of ours, or the domains are not known yet).
 */
function readGuestAddress(address: Address, known: ReadonlySet<string>): { readonly email?: string; readonly notes: readonly string[] } | undefined {
  if (known.size === 0 || known.has(address.domain)) return undefined;
  const email = personalAddress(address);
  const problem = guestEmailProblem(email, [...known]);
  // An address on a subdomain of ours, or one an invitation refuses: said, and left for the person.
  if (problem) return { notes: [problem] };
  return { email, notes: [say.GUEST_FROM_SENTENCE(email)] };
}

/** Given name, surname and display name, all or none: a name that doesn't fit is left for the person. */
function putName(person: NewPerson, put: Put): boolean {
  const { given, surname } = splitName(person.words);
  if (!fits('givenName', given) || !fits('surname', surname) || !fits('displayName', `${given} ${surname}`)) return false;
  return put('givenName', given) && put('surname', surname) && put('displayName', `${given} ${surname}`);
}

/** No name in the words, but "adele.vance@…": the name is read from the alias, with a note to check it. */
function putNameFromAlias(alias: string, address: Address, put: Put): string[] {
  const parts = /^([a-z]{2,30})[._-]([a-z]{2,30})$/.exec(alias);
  if (!parts?.[1] || !parts[2]) return [];
  const given = capitaliseFirst(parts[1]);
  const surname = capitaliseFirst(parts[2]);
  put('givenName', given);
  put('surname', surname);
  put('displayName', `${given} ${surname}`);
  return [`I took the name ${given} ${surname} from ${alias}@${address.domain}; please check the spelling.`];
}
