/**
 * The onboarding request: what a manager fills in, and the one validation pass that
 * returns every problem at once. Card data is untrusted: any field may be missing, of the
 * wrong type, too long or full of invisible characters.
 */
import type { VerifiedDomain } from '../kernel/ports.js';
import { checkUserPrincipalName, deriveAlias, mailNicknameFor, type AliasPattern } from '../rules/user-name.js';
import { say } from '../kernel/sentences.js';

/** The fields of the request form, as the card submits them. */
export const formFields = [
  'givenName', 'surname', 'displayName', 'alias', 'domain', 'usageLocation', 'jobTitle', 'department',
  'employeeType', 'companyName', 'officeLocation', 'startDate', 'manager', 'ticketReference', 'businessJustification',
  'personalEmail',
  // Who receives the secret (secret-recipient.ts): requester, manager or coordinator.
  'secretRecipient',
  // A guest (guests/guest-request.ts): "guest", or "member"/empty for an account of our own; their work address elsewhere.
  'accountKind', 'guestEmail',
  // The last day the person needs access (a contract's end), YYYY-MM-DD: kept and shown to IT.
  'endDate',
  // Which onboarding template (templates/choose-template.ts): a template id, "none", or empty for "by department".
  'template',
] as const;
export type FormField = (typeof formFields)[number];

/** The untrusted input: only string fields are kept, everything else is ignored or reported. */
export type OnboardingForm = Partial<Record<FormField, string>>;

/** A validated request, ready to check against the directory. */
export interface OnboardingRequest {
  readonly givenName: string;
  readonly surname: string;
  readonly displayName: string;
  readonly alias: string;
  readonly domain: string;
  readonly userPrincipalName: string;
  readonly mailNickname: string;
  readonly usageLocation: string;
  readonly jobTitle?: string | undefined;
  readonly department?: string | undefined;
  readonly employeeType?: string | undefined;
  readonly companyName?: string | undefined;
  readonly officeLocation?: string | undefined;
  /** ISO 8601 date-time at midnight UTC of the start date. */
  readonly employeeHireDate?: string | undefined;
  /** UPN of the manager, looked up in the directory by the workflow. */
  readonly manager?: string | undefined;
  readonly ticketReference: string;
  readonly businessJustification: string;
  /** The new person's own address outside the organisation, for the welcome mail; absent = no welcome mail. */
  readonly personalEmail?: string | undefined;
  /**
   * Set for a guest (Entra B2B): the address at their own organisation they are invited at; they
   * sign in with that organisation's account. For a guest, `userPrincipalName` is this address
   * until Entra names their guest account (OnboardingRecord.guest), and alias, domain and
   * mailNickname are empty: nothing is created under our own domains.
   */
  readonly guestEmail?: string | undefined;
  /** YYYY-MM-DD: the last day the person needs access (a contract's end); kept in the record and shown to IT. */
  readonly endDate?: string | undefined;
}

/** True for a guest invitation, false for an account of our own. */
export function isGuestRequest(request: Pick<OnboardingRequest, 'guestEmail'>): boolean {
  return request.guestEmail !== undefined;
}

/** One thing wrong with the form: the field and a sentence a manager understands. */
export interface FieldProblem {
  readonly field: FormField;
  readonly message: string;
  /** Set when the fix is to type an alias (names in a script we don't transliterate). */
  readonly code?: 'ALIAS_NEEDED' | 'DOMAIN_NOT_VERIFIED' | 'MANAGER_NOT_FOUND' | 'UPN_TAKEN';
}

export type RequestValidation =
  | { readonly ok: true; readonly request: OnboardingRequest }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/** The longest value each field takes, in code points: the form and the sentence reader both keep to it. */
export const FIELD_LIMITS: Readonly<Record<FormField, number>> = {
  givenName: 64, surname: 64, displayName: 256, alias: 64, domain: 48, usageLocation: 2, jobTitle: 128,
  department: 64, employeeType: 64, companyName: 64, officeLocation: 128, startDate: 10, manager: 113,
  ticketReference: 64, businessJustification: 1000, personalEmail: 254, secretRecipient: 16, template: 36,
  accountKind: 16, guestEmail: 254, endDate: 10,
};

const LABELS: Record<FormField, string> = {
  givenName: 'The given name', surname: 'The surname', displayName: 'The display name', alias: 'The user name',
  domain: 'The domain', usageLocation: 'The usage location', jobTitle: 'The job title', department: 'The department',
  employeeType: 'The employee type', companyName: 'The company', officeLocation: 'The office', startDate: 'The start date',
  manager: 'The manager', ticketReference: 'The ticket reference', businessJustification: 'The business justification',
  personalEmail: 'The personal email',
  secretRecipient: 'Who receives the password',
  template: 'The template',
  accountKind: 'The kind of account', guestEmail: 'Their work email', endDate: 'The end date',
};

/** Field names as the form labels them (the result card's problems, the defaults a template filled in). */
export const FIELD_LABELS_IN_WORDS: Record<FormField, string> = {
  givenName: 'Given name', surname: 'Surname', displayName: 'Display name', alias: 'User name', domain: 'Domain',
  usageLocation: 'Country', jobTitle: 'Job title', department: 'Department', employeeType: 'Employee type',
  companyName: 'Company', officeLocation: 'Office', startDate: 'Start date', manager: 'Manager',
  ticketReference: 'Ticket reference', businessJustification: 'Business justification', personalEmail: 'Personal email', secretRecipient: 'Password goes to',
  template: 'Template',
  accountKind: 'Account', guestEmail: 'Their work email', endDate: 'End date',
};

// ISO 3166-1 alpha-2, the codes Entra accepts for usageLocation.
const COUNTRIES = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
    'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
    'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
    'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
    'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW').split(' '),
);

// Control characters, bidirectional overrides/isolates, zero-width and other format characters:
// invisible in a card, confusing in a directory, and a classic spoofing vector.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u;

/** True when the text holds a character a card would not show (control, format, bidi, private use). */
export function hasInvisibleCharacters(text: string): boolean {
  return INVISIBLE.test(text);
}

/** True for an ISO 3166-1 alpha-2 code Entra accepts as usageLocation (upper case). */
export function isCountryCode(code: string): boolean {
  return COUNTRIES.has(code);
}

/** Keeps the string fields of untrusted card data, ignoring anything else it carries. */
export function readOnboardingForm(input: unknown): { form: OnboardingForm; problems: FieldProblem[] } {
  const form: OnboardingForm = {};
  const problems: FieldProblem[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { form, problems: [{ field: 'givenName', message: 'The request form was empty or unreadable.' }] };
  }
  const data = input as Record<string, unknown>;
  for (const field of formFields) {
    if (!Object.prototype.hasOwnProperty.call(data, field)) continue;
    const value = data[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      problems.push({ field, message: `${LABELS[field]} must be text.` });
      continue;
    }
    // A hostile card could send megabytes: keep enough to report "too long", not more.
    form[field] = value.slice(0, FIELD_LIMITS[field] * 4 + 16);
  }
  return { form, problems };
}

export interface ValidationContext {
  readonly domains: readonly VerifiedDomain[];
  readonly aliasPattern: AliasPattern;
}

/** Validates the whole form in one pass and returns every problem, or the request. */
export function validateOnboardingForm(input: unknown, context: ValidationContext): RequestValidation {
  const { form, problems } = readOnboardingForm(input);
  const reported = new Set(problems.map((p) => p.field));
  const problem = (field: FormField, message: string, code?: FieldProblem['code']): void => {
    if (reported.has(field)) return;
    reported.add(field);
    problems.push(code ? { field, message, code } : { field, message });
  };

  const text = (field: FormField, required: boolean, multiline = false): string | undefined => {
    const raw = form[field];
    const value = raw === undefined ? '' : raw.normalize('NFC').trim();
    if (value === '') {
      if (required) problem(field, `${LABELS[field]} is required.`);
      return undefined;
    }
    if (INVISIBLE.test(multiline ? value.replace(/\r?\n/g, ' ') : value)) {
      problem(field, `${LABELS[field]} contains invisible or control characters; please retype it.`);
      return undefined;
    }
    if (Array.from(value).length > FIELD_LIMITS[field]) {
      problem(field, `${LABELS[field]} is longer than ${FIELD_LIMITS[field]} characters.`);
      return undefined;
    }
    return value;
  };

  const givenName = text('givenName', true);
  const surname = text('surname', true);
  const typedDisplayName = text('displayName', false);
  // One rule for every name of the person: the display name goes into mail headers (the welcome
  // mail's To) and cards as the names do, and none of them needs what an address is made of.
  for (const [field, value] of [['givenName', givenName], ['surname', surname], ['displayName', typedDisplayName]] as const) {
    if (value !== undefined && !/\p{L}/u.test(value)) problem(field, say.NAME_NEEDS_A_LETTER(LABELS[field]));
    if (value !== undefined && /[<>@"\\;:]/.test(value)) problem(field, say.NAME_FORBIDDEN_CHARACTERS(LABELS[field]));
  }
  const displayName = typedDisplayName ?? (givenName && surname ? `${givenName} ${surname}` : undefined);
  if (displayName !== undefined && Array.from(displayName).length > FIELD_LIMITS.displayName) {
    problem('displayName', `${LABELS.displayName} is longer than ${FIELD_LIMITS.displayName} characters.`);
  }

  // A guest is invited at their own organisation's address; nothing is created under our domains.
  const accountKind = text('accountKind', false)?.toLowerCase();
  if (accountKind !== undefined && accountKind !== 'member' && accountKind !== 'guest') {
    problem('accountKind', `${LABELS.accountKind} must be Member or Guest.`);
  }
  const guest = accountKind === 'guest';
  const guestEmailTyped = text('guestEmail', guest);
  const guestEmail = guest ? checkAddress('guestEmail', guestEmailTyped, context.domains, problem) : undefined;
  if (!guest && guestEmailTyped !== undefined) {
    problem('guestEmail', `${LABELS.guestEmail} is only for a guest invitation: choose Guest, or leave it empty.`);
  }

  // Domain: one of the tenant's verified, managed domains (a guest gets none of ours).
  const domainInput = guest ? undefined : text('domain', false);
  const defaultDomain = context.domains.find((d) => d.isDefault && d.isVerified);
  const domainName = (domainInput ?? defaultDomain?.name)?.toLowerCase();
  const domain = domainName === undefined ? undefined : context.domains.find((d) => d.name.toLowerCase() === domainName);
  const choices = context.domains.filter((d) => d.isVerified && d.authenticationType === 'Managed').map((d) => d.name).join(', ');
  if (guest) {
    // Nothing to check: the invitation names no domain of ours.
  } else if (domainName === undefined) problem('domain', `${LABELS.domain} is required (one of: ${choices}).`);
  else if (!domain || !domain.isVerified) {
    problem('domain', `The domain ${domainName} is not a verified domain of the organisation; use one of: ${choices}.`, 'DOMAIN_NOT_VERIFIED');
  } else if (domain.authenticationType === 'Federated') {
    problem('domain', `The domain ${domainName} is federated: its accounts come from the on-premises directory. Use one of: ${choices}.`, 'DOMAIN_NOT_VERIFIED');
  }

  // Alias: typed by the person, or derived from the names.
  const typedAlias = guest ? undefined : text('alias', false);
  let alias: string | undefined;
  if (guest) {
    // Entra makes a guest's user name from their address (…#EXT#@…): no alias of ours.
  } else if (typedAlias !== undefined) {
    const aliasProblem = checkUserPrincipalName(typedAlias, domainName ?? '');
    if (aliasProblem) problem('alias', aliasProblem);
    else alias = typedAlias.toLowerCase();
  } else if (givenName !== undefined && surname !== undefined && !reported.has('givenName') && !reported.has('surname')) {
    const derived = deriveAlias(givenName, surname, context.aliasPattern);
    if (derived.kind === 'alias_needed') problem('alias', `${derived.reason} Please type the user name you want.`, 'ALIAS_NEEDED');
    else alias = derived.alias;
  }
  if (alias !== undefined && domainName !== undefined) {
    const upnProblem = checkUserPrincipalName(alias, domainName);
    if (upnProblem) {
      problem('alias', upnProblem);
      alias = undefined;
    }
  }

  // A member needs one (licences depend on it); a guest only if the request gives one.
  const usageLocationRaw = text('usageLocation', !guest);
  const usageLocation = usageLocationRaw?.toUpperCase();
  if (usageLocation !== undefined && !COUNTRIES.has(usageLocation)) {
    problem('usageLocation', `${LABELS.usageLocation} must be a two-letter country code such as US, GB or JP.`);
  }

  const jobTitle = text('jobTitle', false);
  const department = text('department', false);
  const employeeType = text('employeeType', false);
  const companyName = text('companyName', false);
  const officeLocation = text('officeLocation', false);

  const startDate = text('startDate', false);
  let employeeHireDate: string | undefined;
  if (startDate !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate);
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!m || !date || date.toISOString().slice(0, 10) !== startDate) {
      problem('startDate', `${LABELS.startDate} must be a date written YYYY-MM-DD.`);
    } else employeeHireDate = date.toISOString().replace('.000Z', 'Z');
  }

  const managerRaw = text('manager', false);
  const manager = managerRaw?.toLowerCase();
  if (manager !== undefined) {
    // Existing accounts may have user names we would not create ($-prefixed ones, for example).
    if (!/^[^\s@/\\?%]{1,64}@[a-z0-9.-]{1,48}$/.test(manager)) {
      problem('manager', `${LABELS.manager} must be the manager's user name, like adele.vance@contoso.com.`);
    }
  }

  const ticketReference = text('ticketReference', true);
  if (ticketReference !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\-/#]*$/.test(ticketReference)) {
    problem('ticketReference', `${LABELS.ticketReference} may contain letters, digits and . _ - / # only.`);
  }
  const businessJustification = text('businessJustification', true, true);
  if (businessJustification !== undefined && businessJustification.length < 10) {
    problem('businessJustification', `${LABELS.businessJustification} needs at least a short sentence (10 characters).`);
  }

  const personalEmail = checkAddress('personalEmail', text('personalEmail', false), context.domains, problem);
  if (guest && personalEmail !== undefined) {
    problem('personalEmail', `A guest gets the invitation at their work email, not a welcome email: leave ${LABELS.personalEmail.toLowerCase()} empty.`);
  }

  const endDate = text('endDate', false);
  if (endDate !== undefined) {
    if (!isCalendarDay(endDate)) problem('endDate', `${LABELS.endDate} must be a date written YYYY-MM-DD.`);
    else if (startDate !== undefined && isCalendarDay(startDate) && endDate < startDate) {
      problem('endDate', `${LABELS.endDate} (${endDate}) is before the start date (${startDate}).`);
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  // Every required value is present when no problem was reported.
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('validation invariant broken');
    return v;
  };
  if (guest) {
    const email = need(guestEmail);
    return {
      ok: true,
      request: {
        givenName: need(givenName),
        surname: need(surname),
        displayName: need(displayName),
        alias: '',
        domain: '',
        userPrincipalName: email,
        mailNickname: '',
        usageLocation: usageLocation ?? '',
        jobTitle, department, employeeType, companyName, officeLocation, employeeHireDate, manager,
        ticketReference: need(ticketReference),
        businessJustification: need(businessJustification),
        guestEmail: email,
        endDate,
      },
    };
  }
  const finalAlias = need(alias);
  const finalDomain = need(domain).name.toLowerCase();
  return {
    ok: true,
    request: {
      givenName: need(givenName),
      surname: need(surname),
      displayName: need(displayName),
      alias: finalAlias,
      domain: finalDomain,
      userPrincipalName: `${finalAlias}@${finalDomain}`,
      mailNickname: mailNicknameFor(finalAlias),
      usageLocation: need(usageLocation),
      jobTitle, department, employeeType, companyName, officeLocation, employeeHireDate, manager,
      ticketReference: need(ticketReference),
      businessJustification: need(businessJustification),
      personalEmail,
      endDate,
    },
  };
}

function isCalendarDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return !!m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === value;
}

// One plain address (RFC 5321 lengths), nothing a mail header could be made to say more with:
// no display name, no list, no comment, no quoted local part; CR/LF are refused as invisible characters.
const PERSONAL_EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * What is wrong with a personal email, or undefined when it will do: one plain address of the
 * person's own, outside the organisation's domains (their mailbox there does not exist yet, or
 * is not theirs to read before the first sign-in).
 */
export function personalEmailProblem(value: string, ownDomains: readonly string[]): string | undefined {
  if (Array.from(value).length > FIELD_LIMITS.personalEmail || !PERSONAL_EMAIL.test(value) || value.includes('..') || value.startsWith('.') || value.includes('.@')) {
    return `${LABELS.personalEmail} must be one address, like adele@example.com.`;
  }
  const domain = value.slice(value.lastIndexOf('@') + 1).toLowerCase();
  if (onOwnDomain(domain, ownDomains)) {
    return `${LABELS.personalEmail} must be the person's own address outside the organisation, not @${domain}: their new mailbox is what the email is about.`;
  }
  return undefined;
}

/**
 * An address field as kept — the local part as typed, the domain in lower case — checked by its
 * rule against the organisation's verified domains; undefined (and a problem) when it won't do.
 */
function checkAddress(
  field: 'personalEmail' | 'guestEmail', value: string | undefined, domains: readonly VerifiedDomain[],
  problem: (field: FormField, message: string) => void,
): string | undefined {
  if (value === undefined) return undefined;
  const rule = field === 'personalEmail' ? personalEmailProblem : guestEmailProblem;
  const wrong = rule(value, domains.filter((d) => d.isVerified).map((d) => d.name));
  if (wrong) {
    problem(field, wrong);
    return undefined;
  }
  const at = value.lastIndexOf('@');
  return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
}

/** True when the domain is one of ours or under one (a subdomain of a verified domain is ours too). */
function onOwnDomain(domain: string, ownDomains: readonly string[]): boolean {
  return ownDomains.some((own) => domain === own.toLowerCase() || domain.endsWith(`.${own.toLowerCase()}`));
}


// What POST /invitations refuses in invitedUserEmailAddress (learn.microsoft.com/graph/api/resources/invitation):
// none of ~ ! # $ % ^ & * ( ) + = [ ] { } \ / | ; : " < > ? , and no . or - at either end of the local part.
// Its "quotation marks" read as ' in one rendering of the page: both are refused.
const NOT_IN_AN_INVITATION = /[~!#$%^&*()+=[\]{}\\/|;:"'<>?,]/;

/**
 * What is wrong with a guest's work address, or undefined when it will do: one plain address
 * an invitation accepts, at another organisation. An address on one of our own verified domains
 * (managed or federated) belongs to someone of ours, never a guest: Entra refuses to invite it
 * ("…a verified domain of this directory"), and they may well have an account already.
 */
export function guestEmailProblem(value: string, ownDomains: readonly string[]): string | undefined {
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  if (Array.from(value).length > FIELD_LIMITS.guestEmail || !PERSONAL_EMAIL.test(value) || value.includes('..') || NOT_IN_AN_INVITATION.test(local)
    || /^[.-]|[.-]$/.test(local)) {
    return `${LABELS.guestEmail} must be one address, like jane.doe@fabrikam.example (letters, digits and . - _ before the @).`;
  }
  const domain = value.slice(at + 1).toLowerCase();
  if (onOwnDomain(domain, ownDomains)) {
    return `${value} is on ${domain}, one of the organisation's own verified domains, so the person is not external and nobody is invited. Ask for a member account instead (they may already have one), or check the address.`;
  }
  return undefined;
}
