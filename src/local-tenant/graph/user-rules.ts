import { EXTENSION_ATTRIBUTE_NAMES, type DirectoryState, type DirectoryUser, type Domain } from '../directory.js';
import { badRequest, GraphError, invalidValue } from '../responses.js';

// Graph's rules for user properties (graph.md, user resource, Entra password policy).

const ISO_3166_ALPHA_2 = new Set(('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG ' +
  'GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ ' +
  'LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR ' +
  'NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
  'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW').split(' '));

const UPN_ALIAS_CHARACTERS = /^[A-Za-z0-9'.\-_!#^~$]+$/;
const MAIL_NICKNAME_FORBIDDEN = /[@()\\[\]";:<>, ]/;
const PASSWORD_CHARACTERS = /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]+$/;
const INVALID_VALUES = 'One or more properties contains invalid values.';

type PropertyKind = 'string' | 'boolean' | 'stringArray' | 'dateTime' | 'passwordProfile' | 'extensionAttributes';

/** Properties a client may write on POST/PATCH /users, with their type and maximum length. */
const WRITABLE: Record<string, { kind: PropertyKind; maxLength?: number }> = {
  accountEnabled: { kind: 'boolean' },
  displayName: { kind: 'string', maxLength: 256 },
  givenName: { kind: 'string', maxLength: 64 },
  surname: { kind: 'string', maxLength: 64 },
  mailNickname: { kind: 'string', maxLength: 64 },
  userPrincipalName: { kind: 'string', maxLength: 113 },
  mail: { kind: 'string', maxLength: 256 },
  jobTitle: { kind: 'string', maxLength: 128 },
  department: { kind: 'string', maxLength: 64 },
  companyName: { kind: 'string', maxLength: 64 },
  officeLocation: { kind: 'string', maxLength: 128 },
  usageLocation: { kind: 'string', maxLength: 2 },
  employeeType: { kind: 'string', maxLength: 64 },
  employeeId: { kind: 'string', maxLength: 16 },
  employeeHireDate: { kind: 'dateTime' },
  employeeLeaveDateTime: { kind: 'dateTime' },
  mobilePhone: { kind: 'string', maxLength: 64 },
  businessPhones: { kind: 'stringArray' },
  otherMails: { kind: 'stringArray' },
  preferredLanguage: { kind: 'string', maxLength: 64 },
  city: { kind: 'string', maxLength: 128 },
  country: { kind: 'string', maxLength: 128 },
  onPremisesImmutableId: { kind: 'string', maxLength: 256 },
  passwordPolicies: { kind: 'string', maxLength: 256 },
  passwordProfile: { kind: 'passwordProfile' },
  onPremisesExtensionAttributes: { kind: 'extensionAttributes' },
};

const READ_ONLY = new Set(['id', 'createdDateTime', 'deletedDateTime', 'proxyAddresses', 'assignedLicenses', 'assignedPlans', 'licenseAssignmentStates', 'userType', 'creationType', 'externalUserState', 'externalUserStateChangeDateTime', 'lastPasswordChangeDateTime', 'identities', 'onPremisesSyncEnabled']);

/** A validated write: plain properties plus the password (never stored). */
export interface UserWrite {
  properties: Partial<DirectoryUser>;
  password?: string;
  forceChangePasswordNextSignIn?: boolean;
}

/** Parses and type-checks a POST/PATCH body; the semantic rules run in validateUser. */
export function parseUserWrite(body: unknown): UserWrite {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  const write: UserWrite = { properties: {} };
  const properties = write.properties as Record<string, unknown>;
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue;
    if (READ_ONLY.has(name)) throw badRequest(`Property '${name}' is read-only and cannot be set.`);
    const spec = WRITABLE[name];
    if (!spec) {
      throw new GraphError(400, 'BadRequest', `Property '${name}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
    }
    switch (spec.kind) {
      case 'boolean':
        if (typeof value !== 'boolean') throw typeMismatch(value, 'Edm.Boolean');
        properties[name] = value;
        break;
      case 'string':
        if (value !== null && typeof value !== 'string') throw typeMismatch(value, 'Edm.String');
        properties[name] = value;
        break;
      case 'dateTime':
        if (value === null) {
          properties[name] = null;
        } else if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
          throw typeMismatch(value, 'Edm.DateTimeOffset');
        } else {
          properties[name] = `${new Date(value).toISOString().slice(0, 19)}Z`;
        }
        break;
      case 'stringArray':
        if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw typeMismatch(value, 'Collection(Edm.String)');
        properties[name] = value;
        break;
      case 'passwordProfile': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeMismatch(value, 'microsoft.graph.passwordProfile');
        const profile = value as Record<string, unknown>;
        for (const key of Object.keys(profile)) {
          if (!['password', 'forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa', '@odata.type'].includes(key)) {
            throw new GraphError(400, 'BadRequest', `Property '${key}' does not exist on type 'microsoft.graph.passwordProfile'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
          }
        }
        if (profile['password'] !== undefined && typeof profile['password'] !== 'string') throw typeMismatch(profile['password'], 'Edm.String');
        if (profile['forceChangePasswordNextSignIn'] !== undefined && typeof profile['forceChangePasswordNextSignIn'] !== 'boolean') {
          throw typeMismatch(profile['forceChangePasswordNextSignIn'], 'Edm.Boolean');
        }
        if (typeof profile['password'] === 'string') write.password = profile['password'];
        write.forceChangePasswordNextSignIn = typeof profile['forceChangePasswordNextSignIn'] === 'boolean' ? profile['forceChangePasswordNextSignIn'] : true;
        break;
      }
      case 'extensionAttributes': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeMismatch(value, 'microsoft.graph.onPremisesExtensionAttributes');
        const attributes: Record<string, string | null> = {};
        for (const [key, attribute] of Object.entries(value as Record<string, unknown>)) {
          if (key.startsWith('@odata.')) continue;
          if (!EXTENSION_ATTRIBUTE_NAMES.includes(key)) {
            throw new GraphError(400, 'BadRequest', `Property '${key}' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
          }
          if (attribute !== null && typeof attribute !== 'string') throw typeMismatch(attribute, 'Edm.String');
          if (typeof attribute === 'string' && attribute.length > 1024) throw invalidValue(`onPremisesExtensionAttributes.${key}`);
          attributes[key] = attribute;
        }
        properties[name] = attributes;
        break;
      }
    }
  }
  return write;
}

const REQUIRED_ON_CREATE = ['accountEnabled', 'displayName', 'mailNickname', 'passwordProfile', 'userPrincipalName'] as const;

/** Checks a create (existing = undefined) or an update against the directory's rules. */
export function validateUser(write: UserWrite, state: DirectoryState, existing?: DirectoryUser): void {
  const p = write.properties;
  if (!existing) {
    for (const name of REQUIRED_ON_CREATE) {
      const present = name === 'passwordProfile' ? write.forceChangePasswordNextSignIn !== undefined : p[name] !== undefined && p[name] !== null;
      if (!present || (typeof p[name as keyof DirectoryUser] === 'string' && (p[name as keyof DirectoryUser] as string).trim() === '')) {
        throw badRequest(`A value is required for property '${name}' of resource 'User'.`);
      }
    }
    if (write.password === undefined) throw badRequest("A value is required for property 'passwordProfile.password' of resource 'User'.");
  } else {
    for (const name of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName'] as const) {
      if (p[name] === null || (typeof p[name] === 'string' && (p[name] as string).trim() === '')) {
        throw badRequest(`A value is required for property '${name}' of resource 'User'.`);
      }
    }
  }

  for (const [name, value] of Object.entries(p)) {
    const maxLength = WRITABLE[name]?.maxLength;
    if (typeof value === 'string' && maxLength !== undefined && value.length > maxLength) throw invalidValue(name);
  }

  if (p.userPrincipalName !== undefined && p.userPrincipalName !== null) {
    const immutableId = p.onPremisesImmutableId !== undefined ? p.onPremisesImmutableId : existing?.onPremisesImmutableId ?? null;
    checkUserPrincipalName(p.userPrincipalName, state.domains, immutableId);
  }
  if (typeof p.mailNickname === 'string') {
    // Graph names the property and lists it in the details (user-post-users, observed).
    if (!/^[\x21-\x7e]+$/.test(p.mailNickname) || MAIL_NICKNAME_FORBIDDEN.test(p.mailNickname)) {
      throw badRequest("Invalid value specified for property 'mailNickname' of resource 'User'.", [{ code: 'InvalidValue', target: 'mailNickname' }]);
    }
  }
  if (typeof p.usageLocation === 'string') {
    const code = p.usageLocation.toUpperCase();
    if (!ISO_3166_ALPHA_2.has(code)) throw invalidValue('usageLocation');
    p.usageLocation = code;
  }
  if (typeof p.onPremisesImmutableId === 'string' && /[$_]/.test(p.onPremisesImmutableId)) throw badRequest(INVALID_VALUES);
  if (typeof p.mail === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.mail)) throw invalidValue('mail');
  for (const address of p.otherMails ?? []) {
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw invalidValue('otherMails');
  }

  if (write.password !== undefined) {
    const merged = { ...existing, ...p };
    checkPassword(write.password, passwordContext(merged, state));
  }
}

/** What a password is checked against: the user's first and last name, the tenant, the banned list. */
export function passwordContext(user: Partial<Pick<DirectoryUser, 'givenName' | 'surname'>>, state: DirectoryState): PasswordContext {
  return { names: [user.givenName, user.surname], organization: state.organization.displayName, banned: state.bannedPasswords };
}

/** userPrincipalName: alias@verified-domain with Entra's character and length rules. */
export function checkUserPrincipalName(upn: string, domains: Domain[], onPremisesImmutableId: string | null): void {
  const at = upn.indexOf('@');
  if (at <= 0 || at !== upn.lastIndexOf('@')) throw badRequest(INVALID_VALUES);
  const alias = upn.slice(0, at);
  const domainName = upn.slice(at + 1);
  if (!UPN_ALIAS_CHARACTERS.test(alias) || alias.endsWith('.') || alias.startsWith('.') || alias.length > 64 || domainName.length > 48 || upn.length > 113) {
    throw badRequest(INVALID_VALUES);
  }
  const domain = domains.find((candidate) => candidate.id.toLowerCase() === domainName.toLowerCase());
  if (!domain || !domain.isVerified) {
    throw badRequest('The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.');
  }
  if (domain.authenticationType === 'Federated' && !onPremisesImmutableId) throw badRequest(INVALID_VALUES);
}

export interface PasswordContext {
  /** The user's first and last name (concept-password-ban-bad: "the user's first and last name"). */
  names: Array<string | null | undefined>;
  organization: string;
  banned: string[];
}

const PASSWORD_POLICY_MESSAGE = 'The specified password does not comply with password complexity requirements. Please provide a different password.';

/** Why a password is refused: Entra's change-password codes tell these apart (AADSTS120002/120003/120018). */
export type PasswordProblem = 'weak' | 'containsName' | 'banned';

/** Graph's refusal of a password on POST/PATCH /users: one message whatever the reason. */
export function checkPassword(password: string, context: PasswordContext): void {
  if (passwordProblem(password, context) !== null) throw badRequest(PASSWORD_POLICY_MESSAGE);
}

/**
 * Entra's password rules: 8–256 characters, three of four character classes, no Unicode;
 * not containing the user's first or last name or the tenant's name, each only when at least
 * four characters long (substring match after normalising); and scoring at least 5 points
 * against the banned list (each banned term found counts one point, every other character one).
 */
export function passwordProblem(password: string, context: PasswordContext): PasswordProblem | null {
  if (password.length < 8 || password.length > 256 || !PASSWORD_CHARACTERS.test(password)) return 'weak';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length;
  if (classes < 3) return 'weak';
  const normalized = normalizePassword(password);
  for (const name of [...context.names, context.organization]) {
    if (typeof name === 'string' && name.trim().length >= MINIMUM_MATCHED_TERM && normalized.includes(normalizePassword(name.trim()))) return 'containsName';
  }
  let remaining = normalized;
  let points = 0;
  for (const term of context.banned.map(normalizePassword).filter((t) => t.length >= 3).sort((a, b) => b.length - a.length)) {
    while (remaining.includes(term)) {
      remaining = remaining.replace(term, '\n');
      points += 1;
    }
  }
  points += remaining.replace(/\n/g, '').length;
  return points < 5 ? 'banned' : null;
}

/** "Substring matching is only enforced for names, and other terms, that are at least four characters long." */
const MINIMUM_MATCHED_TERM = 4;

function normalizePassword(text: string): string {
  const substitutions: Record<string, string> = { '0': 'o', '1': 'l', '!': 'i', '$': 's', '@': 'a', '3': 'e', '4': 'a', '5': 's', '7': 't', '|': 'l', '+': 't' };
  return Array.from(text.toLowerCase(), (ch) => substitutions[ch] ?? ch).join('');
}

function typeMismatch(value: unknown, type: string): GraphError {
  return new GraphError(400, 'BadRequest', `Cannot convert the literal '${typeof value === 'object' ? JSON.stringify(value) : String(value)}' to the expected type '${type}'.`);
}
