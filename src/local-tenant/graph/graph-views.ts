import { newDirectoryUser, type DirectoryState, type DirectoryUser } from '../directory.js';
import { assignedLicensesOf, assignedPlansOf, licenseAssignmentStatesOf } from './licensing.js';
import type { Literal } from './odata-filter.js';

// How Graph shows directory objects: the full user, its default property set, domains (groups: groups.ts).

export const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export const USER_PROPERTY_NAMES = new Set(Object.keys(fullUser(newDirectoryUser({ id: '', userPrincipalName: 'a@b', displayName: '', mailNickname: '' }, new Date()), {
  domains: [], organization: { displayName: '' }, subscribedSkus: [],
} as unknown as DirectoryState)));

export function fullUser(user: DirectoryUser, state: DirectoryState): Record<string, unknown> {
  const initial = state.domains.find((domain) => domain.isInitial)?.id ?? '';
  return {
    id: user.id,
    businessPhones: user.businessPhones,
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: user.mobilePhone,
    officeLocation: user.officeLocation,
    preferredLanguage: user.preferredLanguage,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    ageGroup: null,
    assignedLicenses: assignedLicensesOf(user),
    assignedPlans: assignedPlansOf(user, state),
    city: user.city,
    companyName: user.companyName,
    country: user.country,
    createdDateTime: `${user.createdDateTime.slice(0, 19)}Z`,
    creationType: user.creationType,
    deletedDateTime: user.deletedDateTime,
    department: user.department,
    employeeHireDate: user.employeeHireDate,
    employeeId: user.employeeId,
    employeeType: user.employeeType,
    employeeLeaveDateTime: user.employeeLeaveDateTime,
    externalUserState: user.externalUserState,
    externalUserStateChangeDateTime: user.externalUserStateChangeDateTime ? `${user.externalUserStateChangeDateTime.slice(0, 19)}Z` : null,
    // user-properties (B2B): an invited user's identity is "set to the host's organization domain until the guest
    // redeems", then the identity provider they redeemed with.
    identities: user.externalIdentityProvider
      ? [{ signInType: 'federated', issuer: user.externalIdentityProvider, issuerAssignedId: null }]
      : [{ signInType: 'userPrincipalName', issuer: initial, issuerAssignedId: user.userPrincipalName }],
    lastPasswordChangeDateTime: `${user.lastPasswordChangeDateTime.slice(0, 19)}Z`,
    licenseAssignmentStates: licenseAssignmentStatesOf(user),
    mailNickname: user.mailNickname,
    onPremisesExtensionAttributes: { ...user.onPremisesExtensionAttributes },
    onPremisesImmutableId: user.onPremisesImmutableId,
    onPremisesSyncEnabled: null,
    otherMails: user.otherMails,
    passwordPolicies: user.passwordPolicies,
    passwordProfile: null,
    proxyAddresses: user.proxyAddresses,
    usageLocation: user.usageLocation,
    userType: user.userType,
  };
}

export function filterValue(user: DirectoryUser, property: string): Literal | Literal[] | undefined {
  if (property.startsWith('onPremisesExtensionAttributes/')) return user.onPremisesExtensionAttributes[property.slice('onPremisesExtensionAttributes/'.length)] ?? null;
  const value = (user as unknown as Record<string, unknown>)[property];
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}

export function domainView(domain: DirectoryState['domains'][number]): Record<string, unknown> {
  return {
    authenticationType: domain.authenticationType,
    availabilityStatus: null,
    id: domain.id,
    isAdminManaged: true,
    isDefault: domain.isDefault,
    isInitial: domain.isInitial,
    isRoot: true,
    isVerified: domain.isVerified,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    supportedServices: domain.isVerified ? ['Email', 'OfficeCommunicationsOnline'] : [],
    state: null,
  };
}
