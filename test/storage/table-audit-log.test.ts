/**
 * The table AuditLog against a real (in-memory) Azurite: append and the admins' queries,
 * insert-only (a repeated event id fails and overwrites nothing), and the refusal of
 * anything that looks like a password.
 */
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent } from '../../src/onboarding/index.js';
import {
  AuditEventAlreadyRecordedError, InvalidAuditEventError, SecretInAuditEventError, createTableAuditLog,
  looksLikeSecretFieldName, type TableAuditLog,
} from '../../src/storage/index.js';

const connectionString = inject('azuriteConnectionString');
const tableName = `audit${randomUUID().replace(/-/g, '').slice(0, 12)}`;

function anEvent(overrides: Partial<AuditEvent> & { details?: AuditEvent['details'] } = {}): AuditEvent {
  return {
    requestId: `req-${randomUUID()}`,
    correlationId: randomUUID(),
    at: '2025-03-03T09:00:00.000Z',
    type: 'account.created',
    actor: 'instance-1',
    ...overrides,
    details: { status: 'created', ...overrides.details },
  };
}

let audit: TableAuditLog;

beforeAll(async () => {
  audit = createTableAuditLog({ connectionString, tableName });
  await audit.ensureReady();
});

describe('table audit log: append and query', () => {
  it('when events about a UPN are appended, then a query by that UPN (any case) returns them newest first with their details', async () => {
    const upn = `ada.${randomUUID().slice(0, 8)}@contoso.com`;
    const events = [
      anEvent({ at: '2025-03-03T09:00:00.000Z', type: 'request.received', details: { userPrincipalName: upn, ticketReference: 'INC-1', attempt: 1, approved: true, graphRequestId: null } }),
      anEvent({ at: '2025-03-03T09:00:01.500Z', type: 'account.created', details: { userPrincipalName: upn } }),
      anEvent({ at: '2025-03-04T00:00:00.000Z', type: 'credential.delivered', details: { userPrincipalName: upn } }),
      anEvent({ at: '2025-03-03T09:30:00.000Z', type: 'account.created', details: { userPrincipalName: `other.${upn}` } }),
    ];
    for (const event of events) await audit.append(event);

    const found = await audit.query({ userPrincipalName: upn.toUpperCase() });

    expect(found.map((e) => e.type)).toEqual(['credential.delivered', 'account.created', 'request.received']);
    const { eventId, ...received } = found[2] ?? { eventId: '' };
    expect(received).toEqual(events[0]);
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when events of several requesters are appended, then a query by requester returns only theirs, newest first, up to the limit', async () => {
    const requesterId = `29:${randomUUID()}`;
    const times = ['2025-04-01T10:00:00.000Z', '2025-04-03T10:00:00.000Z', '2025-04-02T10:00:00.000Z'];
    await Promise.all([
      ...times.map((at) => audit.append(anEvent({ at, details: { requesterId } }))),
      audit.append(anEvent({ at: '2025-04-04T10:00:00.000Z', details: { requesterId: `29:${randomUUID()}` } })),
    ]);

    const all = await audit.query({ requesterId });
    const newest = await audit.query({ requesterId, limit: 2 });

    expect(all.map((e) => e.at)).toEqual([...times].sort().reverse());
    expect(newest.map((e) => e.at)).toEqual(['2025-04-03T10:00:00.000Z', '2025-04-02T10:00:00.000Z']);
  });

  it('when a date range is given, then events inside it (bounds included, to the millisecond, across days) come back newest first', async () => {
    // A year no other test writes in, so the range alone selects these events.
    const at = [
      '2031-05-01T23:59:59.999Z', // just before `from`
      '2031-05-02T00:00:00.000Z', // = from
      '2031-05-02T12:00:00.000Z',
      '2031-05-03T08:00:00.000Z',
      '2031-05-04T06:30:00.000Z', // = to
      '2031-05-04T06:30:00.001Z', // just after `to`
    ];
    for (const time of at) await audit.append(anEvent({ at: time, type: `at ${time}` }));

    const inRange = await audit.query({ from: '2031-05-02T00:00:00.000Z', to: new Date('2031-05-04T06:30:00.000Z') });
    const oneDay = await audit.query({ from: '2031-05-02T00:00:00.000Z', to: '2031-05-02T23:59:59.999Z' });
    const inverted = await audit.query({ from: '2031-05-04T00:00:00.000Z', to: '2031-05-02T00:00:00.000Z' });

    expect(inRange.map((e) => e.at)).toEqual([at[4], at[3], at[2], at[1]]);
    expect(oneDay.map((e) => e.at)).toEqual([at[2], at[1]]);
    expect(inverted).toEqual([]);
  });

  it('when UPN, requester and dates are combined, then only events matching all of them are returned', async () => {
    const upn = `grace.${randomUUID().slice(0, 8)}@contoso.com`;
    const requesterId = randomUUID();
    await Promise.all([
      audit.append(anEvent({ at: '2025-05-01T10:00:00.000Z', type: 'match', details: { userPrincipalName: upn, requesterId } })),
      audit.append(anEvent({ at: '2025-05-01T11:00:00.000Z', type: 'other requester', details: { userPrincipalName: upn, requesterId: 'x' } })),
      audit.append(anEvent({ at: '2025-06-01T10:00:00.000Z', type: 'too late', details: { userPrincipalName: upn, requesterId } })),
    ]);

    const found = await audit.query({ userPrincipalName: upn, requesterId, from: '2025-04-30T00:00:00.000Z', to: '2025-05-31T00:00:00.000Z' });

    expect(found.map((e) => e.type)).toEqual(['match']);
  });

  it("when a filter value holds a quote, then it is escaped and matches literally instead of changing the query", async () => {
    const upn = `o'brien.${randomUUID().slice(0, 8)}@contoso.com`;
    await audit.append(anEvent({ details: { userPrincipalName: upn } }));

    expect((await audit.query({ userPrincipalName: upn })).length).toBe(1);
    expect(await audit.query({ userPrincipalName: "x' or userPrincipalNameKey ne 'x" })).toEqual([]);
  });

  it.each([0, -1, 2.5, 10_001])('when the limit is %s, then the query is refused', async (limit) => {
    await expect(audit.query({ limit })).rejects.toBeInstanceOf(RangeError);
  });

  it('when a bound is not a time, then the query is refused', async () => {
    await expect(audit.query({ from: 'last tuesday' })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('table audit log: insert-only', () => {
  it('when the same event id is appended twice, then the second append fails and the first event is unchanged', async () => {
    const fixedId = `evt-${randomUUID()}`;
    const log = createTableAuditLog({ connectionString, tableName, newEventId: () => fixedId });
    const upn = `dup.${randomUUID().slice(0, 8)}@contoso.com`;
    const original = anEvent({ details: { userPrincipalName: upn, outcome: 'original' } });
    await log.append(original);

    const sameAgain = await log.append(original).then(() => null, (e: unknown) => e);
    const rewritten = await log.append({ ...original, details: { userPrincipalName: upn, outcome: 'rewritten' } }).then(() => null, (e: unknown) => e);

    expect(sameAgain).toBeInstanceOf(AuditEventAlreadyRecordedError);
    expect(rewritten).toBeInstanceOf(AuditEventAlreadyRecordedError);
    expect(await log.query({ userPrincipalName: upn })).toEqual([{ ...original, eventId: fixedId }]);
  });

  it('when a run\'s events spanning midnight are appended together, then all are recorded, and the same batch sent again records nothing twice', async () => {
    const upn = `batch.${randomUUID().slice(0, 8)}@contoso.com`;
    const events = [
      anEvent({ eventId: randomUUID(), at: '2025-05-01T23:59:59.000Z', type: 'request.validated', details: { userPrincipalName: upn } }),
      anEvent({ eventId: randomUUID(), at: '2025-05-02T00:00:00.500Z', type: 'account.created', details: { userPrincipalName: upn } }),
      anEvent({ eventId: randomUUID(), at: '2025-05-02T00:00:01.000Z', type: 'onboarding.done', details: { userPrincipalName: upn } }),
    ];
    await audit.appendAll(events);
    await audit.appendAll(events.slice(1)); // a batch sent again after a crash

    const found = await audit.query({ userPrincipalName: upn });
    expect(found.map((e) => e.type)).toEqual(['onboarding.done', 'account.created', 'request.validated']);
    expect(found.map((e) => e.eventId).reverse()).toEqual(events.map((e) => e.eventId));
  });

  it('when the same event is appended twice with fresh ids, then both are kept as two records', async () => {
    const upn = `twice.${randomUUID().slice(0, 8)}@contoso.com`;
    const event = anEvent({ details: { userPrincipalName: upn } });

    await audit.append(event);
    await audit.append(event);

    const found = await audit.query({ userPrincipalName: upn });
    expect(found).toHaveLength(2);
    expect(new Set(found.map((e) => e.eventId)).size).toBe(2);
  });

  it('when the table is read directly, then each event is one entity keyed by inverted day and inverted time', async () => {
    const upn = `keys.${randomUUID().slice(0, 8)}@contoso.com`;
    await audit.append(anEvent({ at: '2025-03-03T09:00:00.000Z', details: { userPrincipalName: upn } }));
    const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });

    const rows = [];
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `userPrincipalNameKey eq '${upn}'` } })) rows.push(row);

    const ms = Date.parse('2025-03-03T09:00:00.000Z');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.partitionKey).toBe(String(100_000_000 - Math.floor(ms / 86_400_000)).padStart(9, '0'));
    expect(rows[0]?.rowKey).toBe(`${String(8_640_000_000_000_000 - ms).padStart(16, '0')}_${String(rows[0]?.eventId)}`);
    expect(rows[0]?.day).toBe('2025-03-03');
  });
});

describe('table audit log: never a secret', () => {
  const secretValue = 'Xk9!fake-temporary-value';

  it.each([
    ['a password key', { password: secretValue }],
    ['a camel-cased password key', { temporaryPassword: secretValue }],
    ['a TAP key', { temporaryAccessPass: secretValue }],
    ['a snake-cased TAP key', { Temporary_Access_Pass: secretValue }],
    ['a secret key', { clientSecret: secretValue }],
    ['a bare tap key', { TAP: secretValue }],
    ['a pwd key', { pwd: secretValue }],
    ['a password key even with a harmless value', { passwordProfile: null }],
    ['JSON with a password inside a value', { note: `{"password":"${secretValue}"}` }],
    ['a key=value password inside a value', { note: `user=ada;Password=${secretValue}` }],
    ['a secret: line inside a value', { note: `client_secret: ${secretValue}` }],
  ])('when the details hold %s, then append throws without naming the value and writes nothing', async (_what, details) => {
    const upn = `secret.${randomUUID().slice(0, 8)}@contoso.com`;

    const error = await audit.append(anEvent({ details: { userPrincipalName: upn, ...details } })).then(() => null, (e: unknown) => e);

    expect(error).toBeInstanceOf(SecretInAuditEventError);
    expect((error as SecretInAuditEventError).code).toBe('AUDIT_EVENT_CONTAINS_SECRET_FIELD');
    expect((error as Error).message).not.toContain(secretValue);
    expect(await audit.query({ userPrincipalName: upn })).toEqual([]);
  });

  it('when the event type or actor carries a password field, then append is refused too', async () => {
    await expect(audit.append(anEvent({ type: 'password: hunter2' }))).rejects.toBeInstanceOf(SecretInAuditEventError);
    await expect(audit.append(anEvent({ actor: 'bot secret=abc' }))).rejects.toBeInstanceOf(SecretInAuditEventError);
  });

  it('when a value merely mentions the word password in prose, then the event is recorded', async () => {
    const upn = `prose.${randomUUID().slice(0, 8)}@contoso.com`;
    const detail = 'The specified password does not comply with password complexity requirements.';

    await audit.append(anEvent({ type: 'password.rejected', details: { userPrincipalName: upn, detail, attempt: 2 } }));

    expect((await audit.query({ userPrincipalName: upn }))[0]?.details.detail).toBe(detail);
  });

  it.each([
    ['password', true], ['Temporary-Access-Pass', true], ['x_secret_y', true], ['tap', true],
    ['status', false], ['graphRequestId', false], ['ticketReference', false], ['attempt', false], ['tapestry', false],
  ])('when the field name is %j, then it looks like a secret: %s', (name, expected) => {
    expect(looksLikeSecretFieldName(name)).toBe(expected);
  });
});

describe('table audit log: malformed events', () => {
  it.each([
    ['a time that is not ISO 8601', { at: 'yesterday' }],
    ['an empty type', { type: '' }],
    ['a non-finite number', { details: { attempt: Number.NaN } }],
    ['an object in details', { details: { nested: { a: 1 } as unknown as string } }],
    ['oversized details', { details: { note: 'x'.repeat(40_000) } }],
  ])('when the event has %s, then append refuses it', async (_what, overrides) => {
    await expect(audit.append(anEvent(overrides as Partial<AuditEvent>))).rejects.toBeInstanceOf(InvalidAuditEventError);
  });

  it('when the injected event id is not a safe key, then append refuses it', async () => {
    const log = createTableAuditLog({ connectionString, tableName, newEventId: () => 'a/b#c' });

    await expect(log.append(anEvent())).rejects.toBeInstanceOf(InvalidAuditEventError);
  });
});

describe('table audit log: readiness', () => {
  it('when the table is new, then concurrent first appends create it once and all succeed', async () => {
    const fresh = createTableAuditLog({ connectionString, tableName: `fresh${randomUUID().replace(/-/g, '').slice(0, 12)}` });

    await Promise.all(Array.from({ length: 5 }, () => fresh.append(anEvent())));

    expect(await fresh.query()).toHaveLength(5);
    expect(await fresh.checkReachable()).toEqual({ reachable: true });
  });

  it('when nothing listens at the table endpoint, then checkReachable says unreachable without throwing', async () => {
    const nowhere = connectionString.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9');
    const log = createTableAuditLog({ connectionString: nowhere, tableName: 'nowhere' });

    const health = await log.checkReachable({ timeoutMs: 1000 });

    expect(health.reachable).toBe(false);
    expect(JSON.stringify(health)).not.toMatch(/AccountKey|Eby8/);
  });
});
