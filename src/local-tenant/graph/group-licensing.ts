/**
 * Group-based licensing (https://learn.microsoft.com/en-us/entra/identity/users/licensing-group-advanced):
 * licences assigned to a group reach its direct user members in the background — after a member is
 * added or removed, a dynamic group's rule takes someone in, or the group's licences change. Until then
 * the group's licenseProcessingState is QueuedForProcessing and the member shows nothing from it; then
 * each member gets a licenseAssignmentState with assignedByGroup set: Active when a seat is free (or the
 * user already holds the SKU — one seat per product), else Error with CountViolation
 * (licensing-groups-resolve-problems), which holds no seat. A user without a usage location inherits
 * the directory's ("Group license assignment never modifies an existing usage location value").
 * Processing runs whenever the tenant answers a request, for the entries older than
 * licensing.groupProcessingSeconds (a short, configurable stand-in for Entra's minutes).
 */
import type { DirectoryState, DirectoryUser, Group } from '../directory.js';
import { isDynamic, membersOf } from './groups.js';
import { freeUnits, holdsSeat } from './licensing.js';

/** A member (or, userId null, every member) of a group whose group licences are still to be applied. */
export interface QueuedLicensing {
  groupId: string;
  userId: string | null;
  queuedDateTime: string;
}

/** "Group-based licensing can only be used with security groups, and Microsoft 365 groups that have securityEnabled=TRUE." */
export function licensable(group: Group): boolean {
  return group.securityEnabled;
}

export function enqueueLicensing(state: DirectoryState, groupId: string, userId: string | null, now: Date): void {
  const queue = state.licensingQueue;
  if (queue.some((entry) => entry.groupId === groupId && (entry.userId === userId || entry.userId === null))) return;
  queue.push({ groupId, userId, queuedDateTime: now.toISOString() });
}

/** After a membership change: the member's licences from the group are redone (when the group has or had any). */
export function membershipChangedForLicensing(state: DirectoryState, group: Group, memberId: string, now: Date): void {
  const user = state.users.find((candidate) => candidate.id === memberId);
  if (!user) return;
  if (group.assignedLicenses.length > 0 || user.licenseAssignments.some((assignment) => assignment.assignedByGroup === group.id)) {
    enqueueLicensing(state, group.id, user.id, now);
  }
}

/** After a user changed (created, updated, deleted, restored): dynamic licensing groups may now hold them, or not. */
export function userChangedForLicensing(state: DirectoryState, user: DirectoryUser, now: Date): void {
  for (const group of state.groups) {
    if (isDynamic(group) && (group.assignedLicenses.length > 0 || user.licenseAssignments.some((assignment) => assignment.assignedByGroup === group.id))) {
      enqueueLicensing(state, group.id, user.id, now);
    }
  }
}

/** group.licenseProcessingState: null for a group that never had licences. */
export function licenseProcessingStateOf(group: Group, state: DirectoryState): string | null {
  if (state.licensingQueue.some((entry) => entry.groupId === group.id)) return 'QueuedForProcessing';
  const applied = state.users.some((user) => user.licenseAssignments.some((assignment) => assignment.assignedByGroup === group.id));
  return group.assignedLicenses.length > 0 || applied ? 'ProcessingComplete' : null;
}

/** Applies what is due, oldest first; true when something changed (the caller saves). */
export function processDueLicensing(state: DirectoryState, now: Date): boolean {
  const delayMs = state.licensing.groupProcessingSeconds * 1000;
  const due = state.licensingQueue.filter((entry) => Date.parse(entry.queuedDateTime) + delayMs <= now.getTime());
  if (due.length === 0) return false;
  state.licensingQueue = state.licensingQueue.filter((entry) => !due.includes(entry));
  for (const entry of due) {
    const group = state.groups.find((candidate) => candidate.id === entry.groupId);
    const users = entry.userId === null
      ? state.users.filter((user) => group !== undefined && (membersOf(group, state).includes(user.id) || user.licenseAssignments.some((assignment) => assignment.assignedByGroup === entry.groupId)))
      : state.users.filter((user) => user.id === entry.userId);
    for (const user of users) applyGroupLicences(state, entry.groupId, group, user, now);
  }
  return true;
}

/** The user's assignments from the group made to match the group's licences and the user's membership. */
function applyGroupLicences(state: DirectoryState, groupId: string, group: Group | undefined, user: DirectoryUser, now: Date): void {
  const isMember = group !== undefined && licensable(group) && user.deletedDateTime === null && membersOf(group, state).includes(user.id);
  const wanted = isMember ? group.assignedLicenses : [];
  const fromGroup = (skuId: string) => user.licenseAssignments.find((assignment) => assignment.assignedByGroup === groupId && assignment.skuId === skuId);
  // Licences the group no longer gives this user: removed, their seats free again.
  user.licenseAssignments = user.licenseAssignments.filter((assignment) => assignment.assignedByGroup !== groupId || wanted.some((license) => license.skuId === assignment.skuId));
  for (const license of wanted) {
    const existing = fromGroup(license.skuId);
    const sku = state.subscribedSkus.find((candidate) => candidate.skuId === license.skuId);
    const seated = existing !== undefined && existing.state !== 'Error';
    const canHold = sku !== undefined && (seated || holdsSeat(user, license.skuId) || freeUnits(sku, state) > 0);
    const next = canHold ? { state: 'Active' as const, error: 'None' as const } : { state: 'Error' as const, error: 'CountViolation' as const };
    if (existing) {
      if (existing.state !== next.state || existing.error !== next.error || existing.disabledPlans.join() !== license.disabledPlans.join()) {
        Object.assign(existing, next, { disabledPlans: [...license.disabledPlans], lastUpdatedDateTime: now.toISOString() });
      }
    } else {
      user.licenseAssignments.push({ skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: groupId, ...next, lastUpdatedDateTime: now.toISOString() });
    }
  }
}
