/**
 * kill -9 the bot (a real `tsx src/index.ts` process) at each step of a request, start it
 * again, and check that the request finishes on its own: one account, one password for the
 * requester, the ticket posted, and an audit trail that tells what happened. The bot resumes
 * through its scheduler (RESUME_INTERVAL_SECONDS=1) once the dead process's lease has
 * expired; nobody clicks again. Each step waits for the state it needs (a request arriving
 * at the directory, what was in flight landing), never for a fixed time.
 * The last test kills the bot while a request waits for an admin's approval: the request,
 * its approval card and its sealed-nothing state live in storage, so the approval is
 * decided on the restarted process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ID, cardAction } from '../support/activities.js';
import { actionData, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import {
  PEOPLE, accountsNamed, auditOf, createAccountElsewhere, noticesAbout, accountsOf, createClick, kill9, newSharedWorld, passwordsDelivered, processOf, recordOf, finished, requestIdFor,
  resumePassesOf, reviewedDraft, settled, startBotProcess, stopAll, storeOf, ticketMessages, ticketPosts, trailOf, upnOf, waitFor, watchRequests, TICKET_CHANNEL,
  type BotProcess, type NewPerson, type RequestWatch, type SharedWorld,
} from './support.js';

const requester = PEOPLE.megan;
/**
 * How long a step belongs to the process on it: what the restarted process waits out before it
 * takes over. Longer than any step takes before its kill point (the slowest directory call
 * below takes 3 s), so the first process's own resume pass never races the click's run.
 */
const RESTART_ENV = { RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '4' };
const USERS = /^\/v1\.0\/users$/;

interface KillPoint {
  readonly name: string;
  readonly person: NewPerson;
  /** Arms the faults, sends Create, and returns once the bot is exactly where it must die. */
  readonly reachPoint: (context: PointContext) => Promise<void>;
}

interface PointContext {
  readonly tenant: LocalTenant;
  /** What the directory has been sent, as it arrives. */
  readonly tenantRequests: RequestWatch;
  readonly connector: RecordingConnector;
  readonly world: SharedWorld;
  readonly upn: string;
  /** Sends the Create click (the answer is cut off by the kill; that is fine). */
  click(): void;
  /** Audit event types recorded so far for this UPN. */
  eventsSoFar(): Promise<string[]>;
}

interface PointResult {
  point: string;
  atKill: string;
  restarts: number;
  accounts: number;
  dms: number;
  distinctPasswords: number;
  ticketPosts: number;
  status: string;
  trail: string;
}

const postsToUsers = (tenant: LocalTenant) => tenant.requestLog().filter((e) => e.method === 'POST' && e.path === '/v1.0/users').length;

const points: KillPoint[] = [
  {
    name: '(a) POST /users in flight',
    person: { givenName: 'Kira', surname: 'Inflight' },
    async reachPoint({ tenant, tenantRequests, click }) {
      // Every Graph call takes 1.5 s, so POST /users is still travelling when the bot dies.
      tenant.setFaults({ latencyMs: 1_500 });
      const postsBefore = postsToUsers(tenant);
      const sentBefore = tenantRequests.arrived('POST', USERS);
      click();
      await waitFor('POST /users at the directory', () => tenantRequests.arrived('POST', USERS) > sentBefore, 60_000, 10);
      expect(postsToUsers(tenant)).toBe(postsBefore); // not answered yet: in flight
    },
  },
  {
    name: '(b) POST applied, answer lost',
    person: { givenName: 'Lola', surname: 'Lostanswer' },
    async reachPoint({ tenant, upn, click }) {
      // The tenant creates the account and drops the connection; reads take 2 s, so the
      // bot is still finding out what happened when it dies.
      tenant.setFaults({ latencyMs: 2_000, rules: [{ action: 'lostResponse', method: 'POST', path: '^/v1.0/users$', count: 1 }] });
      click();
      await waitFor('the account to exist', () => accountsNamed(tenant, upn).length > 0, 60_000, 10);
    },
  },
  {
    name: '(c) after create, before delivery',
    person: { givenName: 'Cora', surname: 'Createdonly', manager: 'adele.vance@contoso.com' },
    async reachPoint({ tenant, connector, click, eventsSoFar }) {
      click();
      await waitFor('account.creating', async () => (await eventsSoFar()).includes('account.creating'), 60_000, 20);
      // Setting the manager (the step after create) now takes 3 s, and the connector holds
      // anything sent: the bot dies with the account made and nothing delivered.
      tenant.setFaults({ latencyMs: 3_000 });
      connector.delayMs = 3_000;
      await waitFor('account.created', async () => (await eventsSoFar()).includes('account.created'), 60_000, 20);
    },
  },
  {
    name: '(d) in the middle of delivery',
    person: { givenName: 'Dina', surname: 'Middelivery' },
    async reachPoint({ connector, click }) {
      // The connector holds the password message: it has reached Teams, the bot has no answer yet.
      connector.delayMs = 2_500;
      const pendingBefore = connector.pending;
      click();
      await waitFor('the password message at the connector', () => connector.pending > pendingBefore, 60_000, 10);
    },
  },
];

describe('kill -9 and restart at each step of a request (real processes)', () => {
  let tenant: LocalTenant;
  let tenantRequests: RequestWatch;
  let connector: RecordingConnector;
  let world: SharedWorld;
  const running = new Set<BotProcess>();
  const results: PointResult[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    tenantRequests = watchRequests(tenant.port);
    connector = await startRecordingConnector();
    world = newSharedWorld(tenant, connector, RESTART_ENV);
  });

  afterAll(async () => {
    tenantRequests?.close();
    await stopAll(running);
    await connector?.close();
    await tenant?.close();
    if (results.length > 0) {
      console.log(`\nkill -9 points tried: ${results.length}`);
      console.table(results);
    }
  });

  async function start(name: string, inWorld: SharedWorld = world): Promise<BotProcess> {
    const bot = await startBotProcess(inWorld, name);
    running.add(bot);
    return bot;
  }

  it.each(points)('when the bot is killed at $name and started again, then the request finishes by itself: one account, one password, the ticket, and the audit says what happened', async (point) => {
    const upn = upnOf(point.person);
    const first = await start('first');
    let second: BotProcess | undefined;
    try {
      const draft = await reviewedDraft(first, connector, requester, point.person, `INC-${point.person.surname}`);
      // What the run has done so far: the trail, plus the events still in the record's outbox (a run's batch is sent when it ends).
      const eventsSoFar = async () => {
        const events = await auditOf(world).query({ userPrincipalName: upn, limit: 100 });
        const { requests } = await storeOf(world).listUnfinished();
        const running = requests.filter((r) => r.record.request?.userPrincipalName.toLowerCase() === upn.toLowerCase());
        return [...events.map((e) => e.type), ...running.flatMap((r) => (r.record.auditOutbox ?? []).map((e) => e.type))];
      };
      const click = () => void first.send(createClick(connector, requester, draft)).catch(() => undefined);

      await point.reachPoint({ tenant, tenantRequests, connector, world, upn, click, eventsSoFar });
      await kill9(first);
      running.delete(first);

      const requestId = await requestIdFor(world, upn);
      const atKill = await recordOf(world, requestId);
      const accountsAtKill = accountsOf(tenant, requestId).length;
      const dmsAtKill = connector.pending;
      // What was in flight lands (the tenant applies a slow POST, the connector answers a held message); then calm.
      await settled(tenantRequests, connector);
      tenant.setFaults({});
      connector.delayMs = 0;

      second = await start('second');
      const record = await finished(world, requestId);

      const accounts = accountsOf(tenant, requestId);
      const passwords = passwordsDelivered(connector, requester, requestId);
      const tickets = ticketPosts(connector, requestId);
      const trail = await trailOf(world, requester, requestId);
      results.push({
        point: point.name,
        atKill: `${atKill?.status ?? '?'}${atKill?.lease ? ' (leased)' : ''}, accounts ${accountsAtKill}, held msgs ${dmsAtKill}`,
        restarts: 1,
        accounts: accounts.length,
        dms: passwords.length,
        distinctPasswords: new Set(passwords).size,
        ticketPosts: tickets.length,
        status: record.status,
        trail: trail.map((e) => `${processOf(e, [first, second])}:${e.type}`).join(' '),
      });

      expect(record.status).toBe('done');
      expect(accounts).toHaveLength(1);
      expect(accountsNamed(tenant, upn)).toHaveLength(1);
      expect(passwords.length).toBeGreaterThanOrEqual(1);
      expect(new Set(passwords).size).toBe(1);
      expect(tickets).toHaveLength(1);
      expect(JSON.stringify(tickets[0]!.activity)).toContain(upn);
      expect(JSON.stringify(tickets[0]!.activity)).not.toContain(passwords[0]!);

      const types = trail.map((e) => e.type);
      expect(types.filter((t) => t === 'account.created')).toHaveLength(1);
      expect(types.filter((t) => t === 'onboarding.done')).toHaveLength(1);
      expect(types).toEqual(expect.arrayContaining(['request.received', 'account.creating', 'account.created', 'password.delivered', 'ticket.posted']));
      // The first process started the request; the restarted one finished it.
      expect(processOf(trail.find((e) => e.type === 'request.received')!, [first, second])).toBe('first');
      expect(processOf(trail.find((e) => e.type === 'onboarding.done')!, [first, second])).toBe('second');
      expect(JSON.stringify(trail)).not.toContain(passwords[0]!);
    } finally {
      tenant.setFaults({});
      connector.delayMs = 0;
      await stopAll([first, second]);
      running.delete(first);
      if (second) running.delete(second);
    }
  }, 150_000);

  it('when the bot dies while POST /users is refused in flight and someone else takes the user name before it is back, then the restarted bot rejects the request and tells the requester in their 1:1 chat', async () => {
    const person: NewPerson = { givenName: 'Rita', surname: 'Takenmeanwhile' };
    const upn = upnOf(person);
    const first = await start('first');
    let second: BotProcess | undefined;
    try {
      const draft = await reviewedDraft(first, connector, requester, person, 'INC-TAKEN');
      // POST /users takes 1.5 s and is then refused (503, not applied): the bot dies before it knows.
      tenant.setFaults({ latencyMs: 1_500, rules: [{ action: 'status', status: 503, method: 'POST', path: '^/v1.0/users$', count: 1 }] });
      const sentBefore = tenantRequests.arrived('POST', USERS);
      void first.send(createClick(connector, requester, draft)).catch(() => undefined);
      await waitFor('POST /users at the directory', () => tenantRequests.arrived('POST', USERS) > sentBefore, 60_000, 10);
      await kill9(first);
      running.delete(first);
      const requestId = await requestIdFor(world, upn);
      // The refused POST is answered (to nobody) before the name is taken.
      await settled(tenantRequests, connector);
      tenant.setFaults({});
      await createAccountElsewhere(tenant, person);

      second = await start('second');
      const record = await finished(world, requestId);
      const notices = await waitFor('the notice', () => noticesAbout(connector, requester, requestId).length > 0 && noticesAbout(connector, requester, requestId), 15_000, 100);
      const trail = await trailOf(world, requester, requestId);
      results.push({
        point: '(e) POST in flight, refused; name taken while down',
        atKill: 'creating (leased), accounts 0, held msgs 0',
        restarts: 1,
        accounts: accountsOf(tenant, requestId).length,
        dms: passwordsDelivered(connector, requester, requestId).length,
        distinctPasswords: 0,
        ticketPosts: ticketPosts(connector, requestId).length,
        status: `${record.status}, ${notices.length} notice`,
        trail: trail.map((e) => `${processOf(e, [first, second])}:${e.type}`).join(' '),
      });

      expect(record.status).toBe('rejected');
      expect(record.problem?.code).toBe('UPN_TAKEN');
      expect(accountsOf(tenant, requestId)).toHaveLength(0);
      expect(accountsNamed(tenant, upn)).toHaveLength(1); // theirs, untouched
      expect(passwordsDelivered(connector, requester, requestId)).toHaveLength(0);
      expect(notices).toHaveLength(1);
      const text = String(notices[0]!.activity.text);
      expect(text).toMatch(/^I could not create the account for Rita Takenmeanwhile\. That user name is already used/);
      expect(text).toContain(record.alternatives[0]!);
      expect(trail.map((e) => `${processOf(e, [first, second])}:${e.type}`)).toEqual(expect.arrayContaining(['first:account.creating', 'second:upn.taken']));
    } finally {
      tenant.setFaults({});
      await stopAll([first, second]);
      running.delete(first);
      if (second) running.delete(second);
    }
  }, 150_000);
  it('when the bot is killed while a request waits for approval and started again, then an admin approves on the new process and the account is created once', async () => {
    const approvals = newSharedWorld(tenant, connector, { ...RESTART_ENV, APPROVAL_POLICY: 'non-admins' });
    const person: NewPerson = { givenName: 'Paula', surname: 'Pendingapproval' };
    const upn = upnOf(person);
    const first = await start('first', approvals);
    let second: BotProcess | undefined;
    try {
      const draft = await reviewedDraft(first, connector, requester, person, 'INC-APPROVE');
      const asked = invokeResult((await first.send(createClick(connector, requester, draft))).body);
      expect(textOf(asked.card!)).toContain('Waiting for approval');
      const requestId = await requestIdFor(approvals, upn);
      const approvalCard = await waitFor('the approval card', () => ticketPosts(connector, requestId)[0]);
      expect(actionData(cardsIn(approvalCard.activity)[0]!, 'onboarding.approve')).toEqual({ requestId });
      await kill9(first);
      running.delete(first);
      expect((await recordOf(approvals, requestId))?.status).toBe('awaiting_approval');

      second = await start('second', approvals);
      // The resume pass leaves a request that waits for a person alone: once a second pass has
      // begun, the first (which ran at start) has looked at it and is over.
      await waitFor('two resume passes on the restarted process', () => resumePassesOf(second!) >= 2);
      expect((await recordOf(approvals, requestId))?.status).toBe('awaiting_approval');
      expect(accountsNamed(tenant, upn)).toHaveLength(0);

      const approve = cardAction(connector.serviceUrl, PEOPLE.alex, 'onboarding.approve', { requestId }, approvalCard.activityId, {
        conversation: { id: `${TICKET_CHANNEL};messageid=${approvalCard.activityId}`, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
      });
      const approved = invokeResult((await second.send(approve)).body);
      expect(textOf(approved.card!)).toContain('Approved: creating the account for Paula Pendingapproval');
      const record = await finished(approvals, requestId);

      const passwords = passwordsDelivered(connector, requester, requestId);
      const trail = await trailOf(approvals, requester, requestId);
      results.push({
        point: '(f) waiting for approval',
        atKill: 'awaiting_approval, accounts 0, held msgs 0',
        restarts: 1,
        accounts: accountsOf(tenant, requestId).length,
        dms: passwords.length,
        distinctPasswords: new Set(passwords).size,
        ticketPosts: ticketPosts(connector, requestId).length,
        status: record.status,
        trail: trail.map((e) => `${processOf(e, [first, second])}:${e.type}`).join(' '),
      });
      expect(record.status).toBe('done');
      expect(accountsOf(tenant, requestId)).toHaveLength(1);
      expect(passwords).toHaveLength(1);
      // One ticket message, updated in place from "approval needed" to the finished account.
      expect(ticketPosts(connector, requestId)).toHaveLength(1);
      const lastTicket = ticketMessages(connector, requestId).at(-1)!;
      expect(lastTicket.operation).toBe('update');
      expect(textOf(cardsIn(lastTicket.activity)[0]!)).toContain('New account ready: Paula Pendingapproval');
      expect(JSON.stringify(ticketMessages(connector, requestId))).not.toContain(passwords[0]!);
      const by = trail.map((e) => `${processOf(e, [first, second])}:${e.type}`);
      expect(by).toEqual(expect.arrayContaining(['first:request.received', 'second:approval.approved', 'second:account.created', 'second:password.delivered']));
    } finally {
      await stopAll([first, second]);
      running.delete(first);
      if (second) running.delete(second);
    }
  }, 150_000);
});
