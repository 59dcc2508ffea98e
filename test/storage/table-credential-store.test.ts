/** The CredentialStore over Azure Table Storage (Azurite): compare-and-set, final deletes, due entries. */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTableCredentialStore } from '../../src/storage/index.js';
import type { StoredCredentials } from '../../src/onboarding/index.js';

const sealed = { algorithm: 'A256GCM' as const, keyId: 'k1', iv: 'aXY=', ciphertext: 'Y2lwaGVy', tag: 'dGFn' };
const entry = (overrides: Partial<StoredCredentials> = {}): StoredCredentials => ({
  credentialId: 'req-1.1', requestId: 'req-1', generation: 1, recipientId: 'megan', password: sealed, purgeAt: '2030-01-02T00:00:00.000Z', ...overrides,
});

describe('table credential store', () => {
  const connectionString = inject('azuriteConnectionString');
  const open = () => {
    const tableName = `Creds${randomBytes(5).toString('hex')}`;
    return { tableName, store: createTableCredentialStore({ connectionString, tableName }) };
  };

  it('when credentials are stored, then they read back as stored, a second create says exists, and an update needs the current version', async () => {
    const { store } = open();
    const created = await store.create(entry());
    expect(created.kind).toBe('created');
    expect(await store.create(entry({ recipientId: 'someone else' }))).toEqual({ kind: 'exists' });
    const read = await store.get('req-1.1');
    expect(read?.credentials).toEqual(entry());
    const tap = { ...sealed, ciphertext: 'dGFw' };
    const updated = await store.update({ ...entry(), temporaryAccessPass: tap, revealedAt: '2030-01-01T10:00:00.000Z' }, read!.version);
    expect(updated.kind).toBe('updated');
    expect(await store.update(entry(), read!.version)).toEqual({ kind: 'conflict' });
    expect((await store.get('req-1.1'))?.credentials).toMatchObject({ temporaryAccessPass: tap, revealedAt: '2030-01-01T10:00:00.000Z' });
  });

  it('when credentials hold only a Temporary Access Pass (a bulk row under TAP_MODE=instead), then no password column is written and they read back without one', async () => {
    const { store, tableName } = open();
    const passOnly: StoredCredentials = { credentialId: 'bulk-1-3.1', requestId: 'bulk-1-3', generation: 1, recipientId: 'megan', temporaryAccessPass: sealed, purgeAt: '2030-01-02T00:00:00.000Z' };
    expect((await store.create(passOnly)).kind).toBe('created');
    const read = await store.get('bulk-1-3.1');
    expect(read?.credentials).toEqual(passOnly);
    const entities = [];
    for await (const entity of TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true }).listEntities()) entities.push(entity);
    expect(entities.map((e) => Object.keys(e).includes('password'))).toEqual([false]);
    // A password added later (the pass refused) is kept beside it.
    expect((await store.update({ ...passOnly, password: sealed }, read!.version)).kind).toBe('updated');
    expect((await store.get('bulk-1-3.1'))?.credentials.password).toEqual(sealed);
  });

  it('when the entry holds a guest\'s invitation link and no password, then it reads back as stored, the link sealed in its own column', async () => {
    const { store, tableName } = open();
    const link = { ...sealed, ciphertext: 'bGluaw==' };
    const { password: _none, ...withoutPassword } = entry();
    await store.create({ ...withoutPassword, invitationLink: link });
    expect((await store.get('req-1.1'))?.credentials).toEqual({ ...withoutPassword, invitationLink: link });
    const rows = [];
    for await (const row of TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true }).listEntities()) rows.push(row);
    expect(rows[0]).toMatchObject({ invitationLink: JSON.stringify(link) });
    expect(rows[0]).not.toHaveProperty('password');
  });

  it('when credentials are deleted, then the entity is gone from the table (no copy left), and deleting again is harmless', async () => {
    const { store, tableName } = open();
    await store.create(entry());
    await store.delete('req-1.1');
    await store.delete('req-1.1');
    expect(await store.get('req-1.1')).toBeNull();
    const left = [];
    for await (const row of TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true }).listEntities()) left.push(row);
    expect(left).toEqual([]);
  });

  it('when some entries are due, then listDue returns exactly those, oldest first, up to the limit', async () => {
    const { store } = open();
    await store.create(entry({ credentialId: 'a.1', requestId: 'a', purgeAt: '2030-01-01T00:00:03.000Z' }));
    await store.create(entry({ credentialId: 'b.2', requestId: 'b', generation: 2, purgeAt: '2030-01-01T00:00:01.000Z' }));
    await store.create(entry({ credentialId: 'c.1', requestId: 'c', purgeAt: '2031-01-01T00:00:00.000Z' }));
    const due = await store.listDue(new Date('2030-06-01T00:00:00.000Z'), 10);
    expect(due.map((c) => c.credentialId)).toEqual(['b.2', 'a.1']);
    expect(due[0]).toMatchObject({ requestId: 'b', generation: 2 });
    expect(await store.listDue(new Date('2029-01-01T00:00:00.000Z'), 10)).toEqual([]);
  });

  it.each(['', 'no-generation', 'req.0', 'req/1.1', 'req#1.1', '.1'])('when the id %j is not a request id, a dot and a generation, then it is refused', async (id) => {
    const { store } = open();
    await expect(store.get(id)).rejects.toBeInstanceOf(RangeError);
  });
});
