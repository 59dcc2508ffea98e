/**
 * Groups as the directory holds them (https://learn.microsoft.com/en-us/graph/api/resources/groups-overview):
 * who is in a group (a dynamic group's members follow its rule), which groups contain an object
 * (directly or through nested groups), and how Graph shows a group.
 */
import type { DirectoryState, DirectoryUser, Group } from '../directory.js';
import { matchesMembershipRule, parseMembershipRule, type RuleNode } from './membership-rule.js';
import { rule, type FilterablePropertyRule } from './odata-filter.js';

export function isDynamic(group: Group): boolean {
  return group.groupTypes.includes('DynamicMembership');
}

export function isMicrosoft365(group: Group): boolean {
  return group.groupTypes.includes('Unified');
}

const parsedRules = new Map<string, RuleNode>();

/**
 * Direct members (object ids). A dynamic group whose rule processing is On holds exactly the
 * users its rule matches (groups-dynamic-membership); Paused keeps the members it had.
 */
export function membersOf(group: Group, state: DirectoryState): string[] {
  if (!isDynamic(group) || group.membershipRuleProcessingState === 'Paused' || group.membershipRule === undefined) return group.members;
  let parsed = parsedRules.get(group.membershipRule);
  if (!parsed) {
    parsed = parseMembershipRule(group.membershipRule);
    parsedRules.set(group.membershipRule, parsed);
  }
  const node = parsed;
  return state.users.filter((user) => user.deletedDateTime === null && matchesMembershipRule(node, user)).map((user) => user.id);
}

/** Groups containing the object directly or (transitive) through nested groups. */
export function groupsContaining(objectId: string, state: DirectoryState, transitive: boolean): Group[] {
  const result = new Map<string, Group>();
  const pending = [objectId];
  const members = new Map(state.groups.map((group) => [group.id, membersOf(group, state)]));
  while (pending.length > 0) {
    const current = pending.pop() as string;
    for (const group of state.groups) {
      if (members.get(group.id)?.includes(current) && !result.has(group.id)) {
        result.set(group.id, group);
        if (transitive) pending.push(group.id);
      }
    }
  }
  return [...result.values()];
}

/** The active users that are direct members of the group. */
export function memberUsers(group: Group, state: DirectoryState): DirectoryUser[] {
  const ids = new Set(membersOf(group, state));
  return state.users.filter((user) => ids.has(user.id) && user.deletedDateTime === null);
}

/** What GET /groups returns without $select (group-get, group-list: "a default set of properties"). */
export const DEFAULT_GROUP_PROPERTIES = [
  'id', 'deletedDateTime', 'classification', 'createdDateTime', 'creationOptions', 'description', 'displayName', 'expirationDateTime',
  'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'membershipRule', 'membershipRuleProcessingState',
  'onPremisesDomainName', 'onPremisesLastSyncDateTime', 'onPremisesNetBiosName', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
  'onPremisesSyncEnabled', 'preferredDataLocation', 'preferredLanguage', 'proxyAddresses', 'renewedDateTime', 'resourceBehaviorOptions',
  'resourceProvisioningOptions', 'securityEnabled', 'securityIdentifier', 'theme', 'visibility', 'onPremisesProvisioningErrors',
  'serviceProvisioningErrors',
];

/** Properties returned only on $select (group resource: "Returned only on $select"). */
const SELECT_ONLY_GROUP_PROPERTIES = ['assignedLicenses', 'licenseProcessingState'];

export const GROUP_PROPERTY_NAMES = new Set([...DEFAULT_GROUP_PROPERTIES, ...SELECT_ONLY_GROUP_PROPERTIES]);

/** Every property of a group this tenant knows, as Graph spells it. */
export function fullGroup(group: Group, licenseProcessingState: string | null): Record<string, unknown> {
  const created = `${group.createdDateTime.slice(0, 19)}Z`;
  const unified = isMicrosoft365(group);
  return {
    id: group.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: created,
    creationOptions: [],
    description: group.description ?? null,
    displayName: group.displayName,
    // Microsoft 365 groups expire only under an expiration policy; none is set here.
    expirationDateTime: null,
    groupTypes: [...group.groupTypes],
    isAssignableToRole: group.isAssignableToRole ?? null,
    mail: group.mail ?? null,
    mailEnabled: group.mailEnabled,
    mailNickname: group.mailNickname,
    membershipRule: group.membershipRule ?? null,
    membershipRuleProcessingState: group.membershipRule !== undefined ? group.membershipRuleProcessingState ?? 'On' : null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesNetBiosName: null,
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesSyncEnabled: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: group.mail ? [`SMTP:${group.mail}`] : [],
    renewedDateTime: created,
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: [],
    securityEnabled: group.securityEnabled,
    securityIdentifier: securityIdentifier(group.id),
    theme: null,
    // "If visibility value is not specified during group creation … a security group is created as Private by
    // default and Microsoft 365 group is Public. Groups assignable to roles are always Private."
    visibility: group.visibility ?? (group.isAssignableToRole ? 'Private' : unified ? 'Public' : null),
    onPremisesProvisioningErrors: [],
    serviceProvisioningErrors: [],
    assignedLicenses: group.assignedLicenses.map((license) => ({ disabledPlans: [...license.disabledPlans], skuId: license.skuId })),
    licenseProcessingState: licenseProcessingState === null ? null : { state: licenseProcessingState },
  };
}

/** A group as Graph shows it: the default set, or the $select-ed properties. */
export function groupView(group: Group, select: string[] | undefined, licenseProcessingState: string | null): Record<string, unknown> {
  const full = fullGroup(group, licenseProcessingState);
  const view: Record<string, unknown> = {};
  for (const name of select ?? DEFAULT_GROUP_PROPERTIES) view[name] = full[name];
  return view;
}

/** A cloud group's SID: S-1-12-1- and its object id read as four little-endian 32-bit numbers (.NET Guid byte order). */
function securityIdentifier(objectId: string): string {
  const hex = objectId.replace(/-/g, '');
  const bytes = Buffer.from(hex, 'hex');
  // Guid.ToByteArray: the first three fields little-endian, the rest as written.
  const ordered = Buffer.concat([Buffer.from(bytes.subarray(0, 4)).reverse(), Buffer.from(bytes.subarray(4, 6)).reverse(), Buffer.from(bytes.subarray(6, 8)).reverse(), bytes.subarray(8)]);
  const parts = [0, 4, 8, 12].map((offset) => ordered.readUInt32LE(offset));
  return `S-1-12-1-${parts.join('-')}`;
}

const STRING = rule(['eq', 'in', 'startswith', 'le', 'ge'], ['ne', 'not']);

/** Filterable group properties (group resource: "Supports $filter (…)"; ne/not need an advanced query). */
export const GROUP_FILTER_RULES: Record<string, FilterablePropertyRule> = {
  id: rule(['eq', 'in'], ['ne', 'not']),
  displayName: STRING,
  description: rule(['eq', 'startswith', 'le', 'ge'], ['ne', 'not']),
  mail: rule(['eq', 'in', 'startswith', 'le', 'ge'], ['ne', 'not', 'endswith']),
  mailNickname: STRING,
  mailEnabled: rule(['eq'], ['ne', 'not']),
  securityEnabled: rule(['eq', 'in'], ['ne', 'not']),
  isAssignableToRole: rule(['eq'], ['ne', 'not']),
  membershipRuleProcessingState: rule(['eq', 'in'], ['ne', 'not']),
  membershipRule: rule(['eq', 'startswith', 'le', 'ge'], ['ne', 'not']),
  groupTypes: rule(['any'], ['not']),
  proxyAddresses: rule(['any'], ['not', 'endswith']),
};

/** $search on groups: displayName and description by words, mail and mailNickname by their start. */
export const GROUP_SEARCH_PROPERTIES = new Set(['displayName', 'description', 'mail', 'mailNickname']);
