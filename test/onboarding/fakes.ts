/**
 * In-memory implementations of the onboarding ports, with the failures the real world has:
 * ambiguous creates, throttling, replication lag, crashes between any two steps.
 */
import { randomBytes } from 'node:crypto';
import {
  createAesGcmSecretVault, defaultOnboardingPolicy, type AuditEvent, type AuditLog, type Clock, type NameHolder, type NewAccountCheck, type NewAccountProbe,
  type CreateUserOutcome, type CredentialDelivery, type DeliveryOutcome, type ReachOutcome, type Directory, type DirectoryUser,
  type OnboardingDependencies, type OnboardingPolicy, type OnboardingRecord, type RandomSource, type Requester,
  type RequestStore, type StoredRequest, type Ticket, type TicketChannel, type TicketOutcome, type UserDraft,
  type VerifiedDomain, type CredentialStore, type StoredCredentials, type PasswordResetOutcome, type TemporaryAccessPassOutcome,
  type TemporaryAccessPassRequest, type RevealNotice, type MailOutcome, type WelcomeMail, type WelcomeMailer, DirectoryError, Secret,
} from '../../src/onboarding/index.js';

/** Thrown by a fake to stop the process in the middle of a step, like a crash. */
export class Crash extends Error {
  override readonly name = 'Crash';
}

export class InMemoryRequestStore implements RequestStore {
  readonly records = new Map<string, { json: string; version: number }>();
  conflictsServed = 0;

  async get(requestId: string): Promise<StoredRequest | null> {
    const row = this.records.get(requestId);
    return row ? { record: JSON.parse(row.json) as OnboardingRecord, version: String(row.version) } : null;
  }

  async create(record: OnboardingRecord) {
    // Check and insert with no await in between: the store's create is atomic, like an insert-if-absent.
    const row = this.records.get(record.requestId);
    if (row) return { kind: 'exists' as const, existing: { record: JSON.parse(row.json) as OnboardingRecord, version: String(row.version) } };
    this.records.set(record.requestId, { json: JSON.stringify(record), version: 1 });
    return { kind: 'created' as const, version: '1' };
  }

  async update(record: OnboardingRecord, expectedVersion: string) {
    const row = this.records.get(record.requestId);
    if (!row || String(row.version) !== expectedVersion) {
      this.conflictsServed += 1;
      return { kind: 'conflict' as const };
    }
    const version = row.version + 1;
    this.records.set(record.requestId, { json: JSON.stringify(record), version });
    return { kind: 'updated' as const, version: String(version) };
  }

  /** Everything stored, as it sits on disk. */
  dump(): string {
    return [...this.records.values()].map((r) => r.json).join('\n');
  }
}

/** Credentials entries as Table Storage keeps them: replaced on update, gone on delete. */
export class InMemoryCredentialStore implements CredentialStore {
  readonly entries = new Map<string, { json: string; version: number }>();
  /** Ids ever deleted, in order (to prove a secret was removed, not just marked). */
  readonly deleted: string[] = [];

  async get(credentialId: string) {
    const row = this.entries.get(credentialId);
    return row ? { credentials: JSON.parse(row.json) as StoredCredentials, version: String(row.version) } : null;
  }
  async create(credentials: StoredCredentials) {
    if (this.entries.has(credentials.credentialId)) return { kind: 'exists' as const };
    this.entries.set(credentials.credentialId, { json: JSON.stringify(credentials), version: 1 });
    return { kind: 'created' as const, version: '1' };
  }
  async update(credentials: StoredCredentials, expectedVersion: string) {
    const row = this.entries.get(credentials.credentialId);
    if (!row || String(row.version) !== expectedVersion) return { kind: 'conflict' as const };
    this.entries.set(credentials.credentialId, { json: JSON.stringify(credentials), version: row.version + 1 });
    return { kind: 'updated' as const, version: String(row.version + 1) };
  }
  async delete(credentialId: string) {
    if (this.entries.delete(credentialId)) this.deleted.push(credentialId);
  }
  async listDue(now: Date, limit: number) {
    return [...this.entries.values()].map((r) => JSON.parse(r.json) as StoredCredentials)
      .filter((c) => Date.parse(c.purgeAt) <= now.getTime()).sort((a, b) => a.purgeAt.localeCompare(b.purgeAt)).slice(0, limit);
  }
  /** Everything stored, as it sits on disk. */
  dump(): string {
    return [...this.entries.values()].map((r) => r.json).join('\n');
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  /** Storage requests this log would have made (a batch is one). */
  requests = 0;
  async append(event: AuditEvent): Promise<void> {
    this.requests += 1;
    this.record(event);
  }
  async appendAll(events: readonly AuditEvent[]): Promise<void> {
    if (events.length > 0) this.requests += 1;
    for (const event of events) this.record(event);
  }
  private record(event: AuditEvent): void {
    if (event.eventId !== undefined && this.events.some((e) => e.eventId === event.eventId)) return;
    this.events.push(Object.freeze(JSON.parse(JSON.stringify(event)) as AuditEvent));
  }
}

export class FakeClock implements Clock {
  private t: number;
  slept = 0;
  constructor(start = Date.parse('2025-03-03T09:00:00Z')) {
    this.t = start;
  }
  now(): Date {
    return new Date(this.t);
  }
  async sleep(ms: number): Promise<void> {
    this.slept += ms;
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Deterministic xorshift randomness so a failing test can be replayed. */
export class SeededRandom implements RandomSource {
  private state: number;
  private counter = 0;
  constructor(seed = 42) {
    this.state = seed >>> 0 || 1;
  }
  int(maxExclusive: number): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return Math.floor((x / 0x1_0000_0000) * maxExclusive);
  }
  uuid(): string {
    this.counter += 1;
    return `00000000-0000-4000-8000-${this.counter.toString(16).padStart(12, '0')}`;
  }
}

interface FakeAccount {
  id: string;
  userPrincipalName: string;
  mailNickname: string;
  proxyAddresses: string[];
  marker: string | null;
  password: string;
  draft?: UserDraft;
  managerId?: string;
  /** Reads that still miss this account (replication lag). */
  invisibleReads: number;
  /** Passwords set by a reset, in order. */
  resets?: string[];
  temporaryAccessPass?: { value: string; request: TemporaryAccessPassRequest };
}

/** What the next createUser call does, in order; after the script runs out it behaves. */
export type CreateFault =
  | 'ambiguous-applied' // applied, but the answer is lost (timeout / 503 after commit)
  | 'ambiguous-not-applied' // lost before the directory saw it
  | 'throttled'
  | 'reject-password'
  | 'crash-before-send'
  | 'crash-after-apply';

export const seedDomains: VerifiedDomain[] = [
  { name: 'contoso.com', isDefault: true, isVerified: true, authenticationType: 'Managed' },
  { name: 'contoso.onmicrosoft.com', isDefault: false, isVerified: true, authenticationType: 'Managed' },
  { name: 'contoso.eu', isDefault: false, isVerified: true, authenticationType: 'Federated' },
  { name: 'northwind.example', isDefault: false, isVerified: false, authenticationType: 'Managed' },
];

export class FakeDirectory implements Directory {
  readonly accounts = new Map<string, FakeAccount>();
  createFaults: CreateFault[] = [];
  readFaults: Array<'throttled' | 'unavailable' | 'crash'> = [];
  /** Every account created from now on stays invisible to this many reads. */
  replicationLagReads = 0;
  bannedPasswords = new Set<string>();
  rejectAllPasswords = false;
  setManagerFails = false;
  posts = 0;
  private nextId = 1;

  constructor() {
    this.addAccount('adele.vance@contoso.com', null);
    this.addAccount('megan.bowen@contoso.com', null);
  }

  addAccount(upn: string, marker: string | null, mailNickname = upn.split('@')[0] ?? upn): FakeAccount {
    const account: FakeAccount = {
      id: `00000000-0000-0000-0000-${String(this.nextId++).padStart(12, '0')}`,
      userPrincipalName: upn,
      mailNickname,
      proxyAddresses: [`SMTP:${upn}`],
      marker,
      password: 'irrelevant',
      invisibleReads: 0,
    };
    this.accounts.set(upn.toLowerCase(), account);
    return account;
  }

  /** Accounts created by the onboarding workflow (carrying a marker). */
  createdByWorkflow(): FakeAccount[] {
    return [...this.accounts.values()].filter((a) => a.marker !== null);
  }

  private readFault(): void {
    const fault = this.readFaults.shift();
    if (fault === 'throttled') throw new DirectoryError('THROTTLED', 'Too many requests', { status: 429, retryAfterSeconds: 1, graphRequestId: 'req-429' });
    if (fault === 'unavailable') throw new DirectoryError('DIRECTORY_UNAVAILABLE', 'Service unavailable', { status: 503, graphRequestId: 'req-503' });
    if (fault === 'crash') throw new Crash('crash during read');
  }

  async listDomains(): Promise<VerifiedDomain[]> {
    this.readFault();
    return seedDomains;
  }

  async findUserByUpn(upn: string): Promise<DirectoryUser | null> {
    this.readFault();
    const account = this.accounts.get(upn.toLowerCase());
    if (!account) return null;
    if (account.invisibleReads > 0) {
      account.invisibleReads -= 1;
      return null;
    }
    return { id: account.id, userPrincipalName: account.userPrincipalName, mailNickname: account.mailNickname, marker: account.marker };
  }

  checks = 0;

  async checkNewAccount(probe: NewAccountProbe): Promise<NewAccountCheck> {
    this.checks += 1;
    const holder = await this.findUserByUpn(probe.userPrincipalName);
    const holders: NameHolder[] = holder ? [{ property: 'userPrincipalName', user: holder }] : [];
    for (const a of this.accounts.values()) {
      const user = { id: a.id, userPrincipalName: a.userPrincipalName, mailNickname: a.mailNickname, marker: a.marker };
      if (a.mailNickname.toLowerCase() === probe.mailNickname.toLowerCase()) holders.push({ property: 'mailNickname', user });
      if (a.proxyAddresses.some((p) => p.toLowerCase() === `smtp:${probe.userPrincipalName.toLowerCase()}`)) holders.push({ property: 'proxyAddresses', user });
    }
    if (probe.managerUpn === undefined) return { holders };
    const manager = this.accounts.get(probe.managerUpn.toLowerCase());
    return { holders, manager: manager ? { id: manager.id, userPrincipalName: manager.userPrincipalName, mailNickname: manager.mailNickname, marker: manager.marker } : null };
  }

  async createUser(draft: UserDraft, password: Secret, marker: string): Promise<CreateUserOutcome> {
    const fault = this.createFaults.shift();
    if (fault === 'crash-before-send') throw new Crash('crash before POST');
    if (fault === 'ambiguous-not-applied') return { kind: 'ambiguous', detail: 'connection reset' };
    if (fault === 'throttled') return { kind: 'throttled', retryAfterSeconds: 2, graphRequestId: 'req-429' };
    this.posts += 1;
    const key = draft.userPrincipalName.toLowerCase();
    if (this.accounts.has(key)) return { kind: 'conflict', property: 'userPrincipalName', graphRequestId: 'req-409' };
    if ([...this.accounts.values()].some((a) => a.mailNickname.toLowerCase() === draft.mailNickname.toLowerCase())) {
      return { kind: 'conflict', property: 'mailNickname', graphRequestId: 'req-409' };
    }
    if (fault === 'reject-password' || this.rejectAllPasswords || this.bannedPasswords.has(password.reveal())) {
      return { kind: 'rejected', reason: 'password', graphRequestId: 'req-400' };
    }
    const account = this.addAccount(draft.userPrincipalName, marker, draft.mailNickname);
    account.password = password.reveal();
    account.draft = draft;
    account.invisibleReads = this.replicationLagReads;
    if (fault === 'ambiguous-applied') return { kind: 'ambiguous', detail: 'gateway timeout', graphRequestId: 'req-504' };
    if (fault === 'crash-after-apply') throw new Crash('crash after POST');
    return { kind: 'created', user: { id: account.id, userPrincipalName: account.userPrincipalName } };
  }

  async setManager(userId: string, managerId: string) {
    const account = [...this.accounts.values()].find((a) => a.id === userId);
    if (this.setManagerFails || !account) return { kind: 'failed' as const, graphRequestId: 'req-mgr' };
    account.managerId = managerId;
    return { kind: 'set' as const };
  }

  async checkMemberGroups(_userId: string, _groupIds: readonly string[]): Promise<string[]> {
    return [];
  }

  async findUsersByDisplayName(displayName: string, limit: number): Promise<DirectoryUser[]> {
    const wanted = displayName.toLowerCase();
    return [...this.accounts.values()].filter((a) => (a.draft?.displayName ?? '').toLowerCase() === wanted).slice(0, limit)
      .map((a) => ({ id: a.id, userPrincipalName: a.userPrincipalName, displayName: a.draft?.displayName, marker: a.marker }));
  }

  async groupDisplayName(groupId: string): Promise<string | null> {
    return this.groups.get(groupId)?.displayName ?? null;
  }

  /** Groups by id: their name and member user names (for a coordinator group). */
  readonly groups = new Map<string, { displayName: string; memberUpns: string[] }>();
  async groupMembers(groupId: string, limit: number): Promise<{ displayName: string; members: DirectoryUser[] } | null> {
    const group = this.groups.get(groupId);
    if (!group) return null;
    const members = group.memberUpns.map((upn) => this.accounts.get(upn.toLowerCase())).filter((a) => a !== undefined)
      .map((a) => ({ id: a.id, userPrincipalName: a.userPrincipalName, marker: a.marker }));
    return { displayName: group.displayName, members: members.slice(0, limit) };
  }

  /** The tenant's TAP policy: 'on' issues passes; anything else is how it refuses. */
  tapPolicy: 'on' | 'policy-off' | 'lifetime' | 'permission' = 'on';
  passesIssued = 0;

  async resetPassword(userId: string, password: Secret): Promise<PasswordResetOutcome> {
    const account = [...this.accounts.values()].find((a) => a.id === userId);
    if (!account) return { kind: 'rejected', reason: 'not-found' };
    if (this.rejectAllPasswords || this.bannedPasswords.has(password.reveal())) return { kind: 'rejected', reason: 'password' };
    account.password = password.reveal();
    (account.resets ??= []).push(password.reveal());
    return { kind: 'reset' };
  }

  /** What the next passes do, in order: a 429 (no pass made), or a pass made and the process dead before it hears. */
  tapFaults: Array<'throttled' | 'crash-after-issue'> = [];
  /** Every pass request, in order (the user and the start asked for). */
  readonly passRequests: Array<{ userId: string; request: TemporaryAccessPassRequest }> = [];

  async issueTemporaryAccessPass(userId: string, request: TemporaryAccessPassRequest): Promise<TemporaryAccessPassOutcome> {
    this.passRequests.push({ userId, request });
    const fault = this.tapFaults.shift();
    if (fault === 'throttled') return { kind: 'throttled', retryAfterSeconds: 2.5, graphRequestId: 'req-tap-429' };
    const outcome = await this.issuePass(userId, request);
    if (fault === 'crash-after-issue') throw new Crash('crash after the pass was made');
    return outcome;
  }

  private async issuePass(userId: string, request: TemporaryAccessPassRequest): Promise<TemporaryAccessPassOutcome> {
    const account = [...this.accounts.values()].find((a) => a.id === userId);
    if (this.tapPolicy !== 'on') return { kind: 'refused', reason: this.tapPolicy, graphRequestId: 'req-tap' };
    // A user has at most one pass: Graph refuses a second one.
    if (!account || account.temporaryAccessPass) return { kind: 'refused', reason: 'other', graphRequestId: 'req-tap' };
    this.passesIssued += 1;
    const value = `TAP-${this.passesIssued}-${userId.slice(-4)}`;
    account.temporaryAccessPass = { value, request };
    return { kind: 'issued', pass: new Secret(value), startDateTime: request.startDateTime ?? '2025-03-03T09:00:00.000Z', lifetimeInMinutes: request.lifetimeInMinutes, isUsableOnce: request.isUsableOnce };
  }

  async removeTemporaryAccessPasses(userId: string): Promise<void> {
    const account = [...this.accounts.values()].find((a) => a.id === userId);
    if (account) delete account.temporaryAccessPass;
  }
}

export interface Delivered {
  requester: Requester;
  value: string;
  requestId: string;
  displayName: string;
}

export class RecordingDelivery implements CredentialDelivery {
  readonly delivered: Delivered[] = [];
  readonly revealCards: Array<{ recipient: Requester; notice: RevealNotice }> = [];
  faults: Array<'undeliverable' | 'crash-after-send' | 'crash-before-send'> = [];
  /** People the bot cannot reach (app not installed for them, blocked); everyone else is reachable. */
  readonly unreachable = new Set<string>();
  /** People Teams refuses for now in a way that may pass (an installation on its way): how many more tries are refused. */
  readonly notYet = new Map<string, number>();
  /** Tries to reach each person, in order; `crashOnReach` makes the n-th try (1-based) crash the process. */
  readonly reachTries: string[] = [];
  crashOnReach: number | undefined;
  async reach(person: Requester): Promise<ReachOutcome> {
    this.reachTries.push(person.id);
    if (this.reachTries.length === this.crashOnReach) throw new Crash('crash while reaching the recipient');
    const left = this.notYet.get(person.id) ?? 0;
    if (left > 0) {
      this.notYet.set(person.id, left - 1);
      return { kind: 'unreachable', reason: 'Teams refused the message (403).', retry: {} };
    }
    return this.unreachable.has(person.id) ? { kind: 'unreachable', reason: 'the app is not installed for them' } : { kind: 'reachable' };
  }
  async sendRevealCard(recipient: Requester, notice: RevealNotice): Promise<DeliveryOutcome> {
    const fault = this.faults.shift();
    if (fault === 'crash-before-send') throw new Crash('crash before delivery');
    if (fault === 'undeliverable') return { kind: 'undeliverable', reason: 'the requester has not installed the bot' };
    this.revealCards.push({ recipient, notice });
    if (fault === 'crash-after-send') throw new Crash('crash after delivery');
    return { kind: 'delivered' };
  }
  async deliverTemporaryPassword(requester: Requester, secret: Secret, context: { requestId: string; displayName: string; temporaryAccessPass?: Secret | undefined }): Promise<DeliveryOutcome> {
    const fault = this.faults.shift();
    if (fault === 'crash-before-send') throw new Crash('crash before delivery');
    if (fault === 'undeliverable') return { kind: 'undeliverable', reason: 'the requester has not installed the bot' };
    this.delivered.push({ requester, value: secret.reveal(), requestId: context.requestId, displayName: context.displayName });
    if (fault === 'crash-after-send') throw new Crash('crash after delivery');
    return { kind: 'delivered' };
  }
}

export class RecordingTickets implements TicketChannel {
  readonly posted: Array<{ messageId: string; ticket: Ticket }> = [];
  async isSet(): Promise<boolean> {
    return true;
  }
  async postTicket(ticket: Ticket): Promise<TicketOutcome> {
    const messageId = `msg-${this.posted.length + 1}`;
    this.posted.push({ messageId, ticket: JSON.parse(JSON.stringify(ticket)) as Ticket });
    return { kind: 'posted', messageId };
  }
  async updateTicket(messageId: string, ticket: Ticket): Promise<TicketOutcome> {
    this.posted.push({ messageId, ticket: JSON.parse(JSON.stringify(ticket)) as Ticket });
    return { kind: 'posted', messageId };
  }
}

export interface World {
  directory: FakeDirectory;
  delivery: RecordingDelivery;
  tickets: RecordingTickets;
  store: InMemoryRequestStore;
  credentials: InMemoryCredentialStore;
  audit: InMemoryAuditLog;
  clock: FakeClock;
  random: SeededRandom;
  deps(instanceId?: string, policy?: Partial<OnboardingPolicy>): OnboardingDependencies;
}

export function makeWorld(seed = 7): World {
  const world = {
    directory: new FakeDirectory(),
    delivery: new RecordingDelivery(),
    tickets: new RecordingTickets(),
    store: new InMemoryRequestStore(),
    credentials: new InMemoryCredentialStore(),
    audit: new InMemoryAuditLog(),
    clock: new FakeClock(),
    random: new SeededRandom(seed),
  };
  const vault = createAesGcmSecretVault({ key: randomBytes(32), keyId: 'test-key' });
  return {
    ...world,
    // These worlds hand the password over as a plain message unless a test asks for the
    // reveal card: the exactly-once tests compare what was delivered with what was set.
    deps: (instanceId = 'instance-a', policy = {}) => ({
      ...world, vault, instanceId,
      policy: { ...defaultOnboardingPolicy, credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'message' as const }, ...policy },
    }),
  };
}

/** A mailer that answers as told (then 'sent'), keeping every mail it was asked to send. */
export class ScriptedMailer implements WelcomeMailer {
  readonly sent: WelcomeMail[] = [];
  answers: Array<MailOutcome | 'crash-after-send' | 'hang'> = [];
  release: () => void = () => {};
  async sendWelcome(mail: WelcomeMail): Promise<MailOutcome> {
    const answer = this.answers.shift() ?? { kind: 'sent' };
    if (answer === 'hang') await new Promise<void>((resolve) => { this.release = resolve; });
    this.sent.push(JSON.parse(JSON.stringify(mail)) as WelcomeMail);
    if (answer === 'crash-after-send') throw new Crash('crash after sendMail');
    return answer === 'hang' ? { kind: 'sent' } : answer;
  }
}

export const requester: Requester = { id: '11111111-2222-3333-4444-555555555555', name: 'Megan Bowen' };

export function form(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    givenName: 'José',
    surname: 'Núñez',
    domain: 'contoso.com',
    usageLocation: 'ES',
    jobTitle: 'Engineer',
    department: 'R&D',
    manager: 'adele.vance@contoso.com',
    ticketReference: 'HR-1234',
    businessJustification: 'New hire in the platform team starting Monday.',
    ...overrides,
  };
}
