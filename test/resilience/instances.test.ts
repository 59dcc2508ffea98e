/**
 * Two bot processes behind an imaginary load balancer: one Azurite (same container, same
 * audit table), one vault key, one local tenant. The same Create click is delivered to both
 * at once and a second time to the first at the same moment (Teams redelivers when an answer
 * is slow), then once more to the second after it finished, for several requests: each must give one account, one password message and one ticket post.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { invokeResult, textOf } from '../support/cards.js';
import {
  PEOPLE, accountsNamed, accountsOf, createClick, newSharedWorld, passwordsDelivered, processOf, finished, requestIdFor,
  reviewedDraft, settled, startBotProcess, stopAll, ticketPosts, trailOf, upnOf, watchRequests, type BotProcess, type RequestWatch, type SharedWorld,
} from './support.js';

const requester = PEOPLE.megan;
const ROUNDS = 5;
const surnames = ['Twinone', 'Twintwo', 'Twinthree', 'Twinfour', 'Twinfive'];

interface RoundResult {
  request: string;
  deliveries: number;
  postsToUsers: number;
  accounts: number;
  dms: number;
  ticketPosts: number;
  answers: string;
  trail: string;
}

describe('two bot processes on one Azurite, the same Create click delivered to both (real processes)', () => {
  let tenant: LocalTenant;
  let tenantRequests: RequestWatch;
  let connector: RecordingConnector;
  let world: SharedWorld;
  let bots: BotProcess[] = [];
  const results: RoundResult[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    tenantRequests = watchRequests(tenant.port);
    connector = await startRecordingConnector();
    // Both instances also run their resume pass every second, adding a third kind of racer.
    world = newSharedWorld(tenant, connector, { RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '30' });
    bots = await Promise.all([startBotProcess(world, 'A'), startBotProcess(world, 'B')]);
  }, 90_000);

  afterAll(async () => {
    tenantRequests?.close();
    await stopAll(bots);
    await connector?.close();
    await tenant?.close();
    if (results.length > 0) {
      const deliveries = results.reduce((sum, r) => sum + r.deliveries, 0);
      console.log(`\nconcurrent duplicates tried: ${results.length} requests × 4 deliveries of one Create click (A, B and A again at once, then B once more) = ${deliveries} deliveries`);
      console.table(results);
    }
  });

  it('when one Create click reaches both instances at once, twice the first, and is redelivered later, then each request has one account, one password message and one ticket post', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    // Slow the directory a little so the three runs really overlap.
    tenant.setFaults({ latencyMs: 150 });
    const postsToUsersSince = (before: number) => tenant.requestLog().filter((e) => e.method === 'POST' && e.path === '/v1.0/users').length - before;
    const postsAtStart = postsToUsersSince(0);
    const requests: { requestId: string; upn: string }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const person = { givenName: 'Tess', surname: surnames[round]! };
      const upn = upnOf(person);
      // The form is opened on A and reviewed on B: the draft lives in shared Blob storage.
      const draft = await reviewedDraft(round % 2 === 0 ? a : b, connector, requester, person, `INC-TWIN-${round}`);
      const click = createClick(connector, requester, draft);
      const postsBefore = postsToUsersSince(0);

      const concurrent = await Promise.all([a.send(click), b.send(click), a.send(click)]);
      const late = await b.send(click);
      const answers = [...concurrent, late].map((response) => {
        expect(response.status).toBe(200);
        const result = invokeResult(response.body);
        return (result.card ? textOf(result.card) : result.message ?? '').split('\n')[0]!;
      });

      const requestId = await requestIdFor(world, upn);
      const record = await finished(world, requestId, 100);
      // A straggling run would be sending something it should not (it must not): let it land.
      await settled(tenantRequests, connector);

      const passwords = passwordsDelivered(connector, requester, requestId);
      const trail = await trailOf(world, requester, requestId);
      const postsToUsers = postsToUsersSince(postsBefore);
      requests.push({ requestId, upn });
      results.push({
        request: upn,
        deliveries: 4,
        postsToUsers,
        accounts: accountsOf(tenant, requestId).length,
        dms: passwords.length,
        ticketPosts: ticketPosts(connector, requestId).length,
        answers: answers.join(' | '),
        trail: trail.map((e) => `${processOf(e, bots)}:${e.type}`).join(' '),
      });

      expect(record.status).toBe('done');
      expect(accountsOf(tenant, requestId)).toHaveLength(1);
      expect(accountsNamed(tenant, upn)).toHaveLength(1);
      expect(postsToUsers).toBe(1);
      expect(passwords).toHaveLength(1);
      expect(ticketPosts(connector, requestId)).toHaveLength(1);
      const types = trail.map((e) => e.type);
      for (const once of ['request.received', 'account.creating', 'account.created', 'password.delivered', 'ticket.posted', 'onboarding.done']) {
        expect(types.filter((t) => t === once), once).toHaveLength(1);
      }
    }
    // A run that straggled behind its round had every later round to do something it should not.
    await settled(tenantRequests, connector);
    expect(postsToUsersSince(postsAtStart)).toBe(ROUNDS);
    for (const { requestId, upn } of requests) {
      expect(accountsNamed(tenant, upn)).toHaveLength(1);
      expect(passwordsDelivered(connector, requester, requestId)).toHaveLength(1);
      expect(ticketPosts(connector, requestId)).toHaveLength(1);
    }
    tenant.setFaults({});
  }, 300_000);
});
