/**
 * An in-memory GuestDirectory with what the real invitation API does (learn.microsoft.com/graph/api/invitation-post):
 * a Guest with a #EXT# user name per address, the same guest and a NEW redeem link when an
 * address is invited again (the old link stops working), refusals, lost answers, replication lag.
 * Guests live in the FakeDirectory too, so setManager and findUserByUpn see them.
 */
import {
  DirectoryError, Secret, type ExistingPerson, type GuestDirectory, type GuestInvitation, type GuestProfile, type GuestWrite, type InvitationOutcome,
  type InvitationRefusal, type InvitationState, type OnboardingDependencies, type OnboardingPolicy,
} from '../../src/onboarding/index.js';
import { Crash, makeWorld, type FakeDirectory, type World } from './fakes.js';

export interface FakePerson {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  userType: 'Member' | 'Guest';
  mail: string;
  otherMails: string[];
  creationType: string | null;
  externalUserState: InvitationState | null;
  createdDateTime: string;
  profile?: GuestProfile;
  sponsors: string[];
  /** The only redeem link that still works (each invitation replaces it). */
  redeemUrl?: string;
}

export type InviteFault = 'ambiguous-applied' | 'ambiguous-not-applied' | 'throttled' | 'crash-before-send' | 'crash-after-apply' | InvitationRefusal;

export class FakeGuestDirectory implements GuestDirectory {
  readonly people = new Map<string, FakePerson>();
  /** Every POST /invitations that reached the directory, in order. */
  readonly invitations: GuestInvitation[] = [];
  /** Every redeem link ever issued (to prove none leaked and which were cancelled). */
  readonly links: string[] = [];
  inviteFaults: InviteFault[] = [];
  profileFails = false;
  sponsorFails = false;
  /** Lookups that still miss a guest invited from now on (replication lag). */
  replicationLagReads = 0;
  private invisible = new Map<string, number>();
  private nextLink = 1;

  constructor(private readonly directory: FakeDirectory, private readonly now: () => Date) {}

  /** A member of ours whose mail (or otherMails) holds an outside address. */
  addMember(userPrincipalName: string, mail: string): FakePerson {
    const account = this.directory.addAccount(userPrincipalName, null);
    const person: FakePerson = {
      id: account.id, userPrincipalName, userType: 'Member', mail: userPrincipalName, otherMails: [mail], creationType: null, externalUserState: null,
      createdDateTime: '2020-01-01T00:00:00Z', sponsors: [],
    };
    this.people.set(person.id, person);
    return person;
  }

  /** A guest someone invited earlier (in the portal, say). */
  addGuest(email: string, state: InvitationState = 'PendingAcceptance', marker: string | null = null): FakePerson {
    return this.createGuest(email, email, state, marker);
  }

  guests(): FakePerson[] {
    return [...this.people.values()].filter((p) => p.userType === 'Guest');
  }

  markerOf(id: string): string | null {
    return [...this.directory.accounts.values()].find((a) => a.id === id)?.marker ?? null;
  }

  managerOf(id: string): string | undefined {
    return [...this.directory.accounts.values()].find((a) => a.id === id)?.managerId;
  }

  /** The guest redeems their invitation. */
  accept(email: string): void {
    const person = this.holders(email).find((p) => p.userType === 'Guest');
    if (!person) throw new Error(`no guest ${email}`);
    person.externalUserState = 'Accepted';
    delete person.redeemUrl;
  }

  /** Look-ups to answer with a DirectoryError first (429 with Retry-After 1.5 s, or 503), in order. */
  lookupFaults: Array<'throttled' | 'unavailable'> = [];
  lookups = 0;

  async findPeopleByEmail(email: string): Promise<ExistingPerson[]> {
    this.lookups += 1;
    const fault = this.lookupFaults.shift();
    if (fault === 'throttled') throw new DirectoryError('THROTTLED', 'Too many requests', { status: 429, retryAfterSeconds: 1.5, graphRequestId: 'req-429' });
    if (fault === 'unavailable') throw new DirectoryError('DIRECTORY_UNAVAILABLE', 'Service unavailable', { status: 503, graphRequestId: 'req-503' });
    return this.holders(email).filter((p) => {
      const left = this.invisible.get(p.id) ?? 0;
      if (left > 0) this.invisible.set(p.id, left - 1);
      return left === 0;
    }).map((p) => this.toExisting(p));
  }

  async invite(invitation: GuestInvitation): Promise<InvitationOutcome> {
    const fault = this.inviteFaults.shift();
    if (fault === 'crash-before-send') throw new Crash('crash before POST /invitations');
    if (fault === 'ambiguous-not-applied') return { kind: 'ambiguous', detail: 'connection reset' };
    if (fault === 'throttled') return { kind: 'throttled', retryAfterSeconds: 2, graphRequestId: 'req-429' };
    if (fault && fault !== 'ambiguous-applied' && fault !== 'crash-after-apply') return { kind: 'refused', reason: fault, graphRequestId: 'req-refused' };
    this.invitations.push(invitation);
    const member = this.holders(invitation.email).find((p) => p.userType === 'Member');
    if (member) return { kind: 'exists', person: this.toExisting(member), graphRequestId: 'req-exists' };
    const guest = this.holders(invitation.email).find((p) => p.userType === 'Guest')
      ?? this.createGuest(invitation.email, invitation.displayName, 'PendingAcceptance', null);
    // Every invitation mints a new link and cancels the one before.
    const link = `https://login.microsoftonline.com/redeem?rd=fake-ticket-${this.nextLink++}-${guest.id.slice(-4)}`;
    guest.redeemUrl = link;
    this.links.push(link);
    if (fault === 'ambiguous-applied') return { kind: 'ambiguous', detail: 'gateway timeout', graphRequestId: 'req-504' };
    if (fault === 'crash-after-apply') throw new Crash('crash after POST /invitations');
    return {
      kind: 'invited', guest: { id: guest.id, userPrincipalName: guest.userPrincipalName }, invitationId: `inv-${this.invitations.length}`,
      status: guest.externalUserState === 'Accepted' ? 'Completed' : 'PendingAcceptance', redeemUrl: new Secret(link),
    };
  }

  /** The profile PATCHes to stop the process at (a crash after whatever came before it), in order. */
  writeFaults: Array<'crash' | undefined> = [];

  /** The one redeem link of the guest at this address that still works. */
  linkOf(email: string): string | undefined {
    return this.holders(email).find((p) => p.userType === 'Guest')?.redeemUrl;
  }

  async writeGuestProfile(userId: string, profile: GuestProfile, marker: string): Promise<GuestWrite> {
    if (this.writeFaults.shift() === 'crash') throw new Crash('crash before PATCH /users/{id}');
    const person = this.people.get(userId);
    if (!person || this.profileFails) return { kind: 'failed', graphRequestId: 'req-patch' };
    person.profile = profile;
    const account = [...this.directory.accounts.values()].find((a) => a.id === userId)!;
    account.marker = marker;
    return { kind: 'set' };
  }

  async addSponsor(userId: string, sponsorId: string): Promise<GuestWrite> {
    const person = this.people.get(userId);
    if (!person || this.sponsorFails) return { kind: 'failed', graphRequestId: 'req-sponsor' };
    if (!person.sponsors.includes(sponsorId)) person.sponsors.push(sponsorId);
    return { kind: 'set' };
  }

  async invitationState(userId: string) {
    const person = this.people.get(userId);
    return person ? { state: person.externalUserState } : null;
  }

  private holders(email: string): FakePerson[] {
    const wanted = email.toLowerCase();
    return [...this.people.values()].filter((p) => p.mail.toLowerCase() === wanted || p.otherMails.some((m) => m.toLowerCase() === wanted));
  }

  private createGuest(email: string, displayName: string, state: InvitationState, marker: string | null): FakePerson {
    const userPrincipalName = `${email.replace('@', '_')}#EXT#@contoso.onmicrosoft.com`;
    const account = this.directory.addAccount(userPrincipalName, marker, email.split('@')[0]);
    const person: FakePerson = {
      id: account.id, userPrincipalName, displayName, userType: 'Guest', mail: email, otherMails: [], creationType: 'Invitation',
      externalUserState: state, createdDateTime: this.now().toISOString(), sponsors: [],
    };
    this.people.set(person.id, person);
    if (this.replicationLagReads > 0) this.invisible.set(person.id, this.replicationLagReads);
    return person;
  }

  private toExisting(p: FakePerson): ExistingPerson {
    return {
      id: p.id, userPrincipalName: p.userPrincipalName, displayName: p.displayName, userType: p.userType, creationType: p.creationType,
      externalUserState: p.externalUserState, createdDateTime: p.createdDateTime, marker: this.markerOf(p.id),
    };
  }
}

export interface GuestWorld extends World {
  guests: FakeGuestDirectory;
  deps(instanceId?: string, policy?: Partial<OnboardingPolicy>): OnboardingDependencies;
}

/** A world whose directory can invite guests. */
export function makeGuestWorld(seed = 7): GuestWorld {
  const world = makeWorld(seed);
  const guests = new FakeGuestDirectory(world.directory, () => world.clock.now());
  return { ...world, guests, deps: (instanceId, policy) => ({ ...world.deps(instanceId, policy), guests }) };
}

/** A guest request as the form sends it (jane.doe@tailspin.example is at no domain of the seed). */
export function guestForm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountKind: 'guest',
    givenName: 'Jane',
    surname: 'Doe',
    guestEmail: 'jane.doe@tailspin.example',
    department: 'Marketing',
    employeeType: 'Contractor',
    companyName: 'Tailspin Toys',
    manager: 'adele.vance@contoso.com',
    ticketReference: 'INC-5100',
    businessJustification: 'Contractor from Tailspin Toys on the spring campaign.',
    endDate: '2026-03-31',
    ...overrides,
  };
}
