/**
 * Is a user name free, which others are, and did this bot already make an account under
 * it? Used when a request is reviewed; at create, POST /users's own conflict answer decides.
 */
import type { OnboardingDependencies, RequestDeskDependencies } from '../kernel/dependencies.js';
import type { CollidingProperty, Directory, DirectoryUser, NameHolder } from '../kernel/ports.js';
import type { OnboardingRequest } from './request.js';
import { aliasCandidates } from '../rules/user-name.js';

export type UpnCheck =
  | { readonly free: true }
  | { readonly free: false; readonly takenBy: CollidingProperty; /** The account holding the user name, when that is what collided. */ readonly holder?: DirectoryUser };

/** Is this user name free? One look at the directory for its UPN, mailNickname and smtp: address. */
export async function checkUpnFree(directory: Directory, userPrincipalName: string, mailNickname: string): Promise<UpnCheck> {
  return upnCheckOf((await directory.checkNewAccount({ userPrincipalName, mailNickname })).holders);
}

/** What the holders of a new account's names mean for it: the UPN's holder first, then mailNickname, then the address. */
export function upnCheckOf(holders: readonly NameHolder[]): UpnCheck {
  const byUpn = holders.find((h) => h.property === 'userPrincipalName');
  if (byUpn) return { free: false, takenBy: 'userPrincipalName', holder: byUpn.user };
  const other = holders.find((h) => h.property === 'mailNickname') ?? holders[0];
  return other ? { free: false, takenBy: other.property } : { free: true };
}

/** Up to `count` other user names for this person, each one checked free in the directory. */
export async function suggestAlternatives(directory: Directory, request: OnboardingRequest, count = 3): Promise<string[]> {
  const free: string[] = [];
  const candidates = aliasCandidates(request.alias, request.givenName, request.surname).slice(0, count + 7);
  for (const alias of candidates) {
    const upn = `${alias}@${request.domain}`;
    if (upn.length > 113) continue;
    if ((await checkUpnFree(directory, upn, alias)).free) free.push(upn);
    if (free.length === count) break;
  }
  return free;
}

/** An account this bot already made, found under a user name someone asks for again. */
export interface EarlierOnboarding {
  readonly userPrincipalName: string;
  readonly displayName: string | undefined;
  readonly requestId: string;
  /** From the stored request, when it is still there. */
  readonly requesterName: string | undefined;
  readonly receivedAt: string | undefined;
  /** The names the earlier request gave, to tell the same person from a namesake. */
  readonly givenName?: string | undefined;
  readonly surname?: string | undefined;
}

/**
 * When a wanted user name is taken by an account this bot created (its marker names the
 * request), that request: asking again for the same person is the usual way to end up with
 * two accounts for one human, so the requester is told before picking another name.
 */
export async function earlierOnboardingOf(
  deps: Pick<OnboardingDependencies, 'store' | 'policy'>, user: DirectoryUser,
): Promise<EarlierOnboarding | null> {
  if (!user.marker?.startsWith(deps.policy.markerPrefix)) return null;
  const requestId = user.marker.slice(deps.policy.markerPrefix.length);
  const earlier = requestId ? await deps.store.get(requestId) : null;
  return {
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    requestId,
    requesterName: earlier?.record.requester.name,
    receivedAt: earlier?.record.receivedAt,
    givenName: earlier?.record.request?.givenName,
    surname: earlier?.record.request?.surname,
  };
}

/** True when an earlier onboarding was for someone with the same given name and surname (case and accents of letters kept). */
export function sameNames(earlier: EarlierOnboarding, request: Pick<OnboardingRequest, 'givenName' | 'surname'>): boolean {
  const same = (a: string | undefined, b: string) => a !== undefined && a.normalize('NFC').toLocaleLowerCase() === b.normalize('NFC').toLocaleLowerCase();
  return same(earlier.givenName, request.givenName) && same(earlier.surname, request.surname);
}

/**
 * An earlier request of this bot under the same ticket reference whose account still exists
 * (newest first): the account is read back, so one deleted since (or a local tenant started
 * afresh) raises no false alarm.
 */
export async function earlierOnboardingByTicket(
  deps: Pick<RequestDeskDependencies, 'history' | 'directory' | 'policy'>, ticketReference: string,
): Promise<EarlierOnboarding | null> {
  const { requests } = await deps.history.findByTicketReference(ticketReference, 10);
  const records = requests.map((r) => r.record).filter((r) => r.objectId !== undefined && r.status !== 'rejected' && r.request);
  let record: (typeof records)[number] | undefined;
  for (const candidate of records.slice(0, 3)) {
    const account = await deps.directory.findUserByUpn(candidate.request?.userPrincipalName ?? '');
    if (account?.marker === `${deps.policy.markerPrefix}${candidate.requestId}`) {
      record = candidate;
      break;
    }
  }
  const request = record?.request;
  if (!record || !request) return null;
  return {
    userPrincipalName: request.userPrincipalName,
    displayName: request.displayName,
    requestId: record.requestId,
    requesterName: record.requester.name,
    receivedAt: record.receivedAt,
    givenName: request.givenName,
    surname: request.surname,
  };
}
