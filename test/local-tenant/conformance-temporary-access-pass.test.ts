import { describe, expect, it } from 'vitest';
import { conformanceSession, graphClient, graphFailure, rawGraph, secretCredential, type Json } from './target.js';

// Temporary Access Pass methods of a user, as the bot will issue them.
const CREATE = 'https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods';
const RESOURCE = 'https://learn.microsoft.com/en-us/graph/api/resources/temporaryaccesspassauthenticationmethod';
const LIST = 'https://learn.microsoft.com/en-us/graph/api/authentication-list-temporaryaccesspassmethods';
const DELETE = 'https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethod-delete';

const session = conformanceSession();
const path = (id: string): string => `/users/${id}/authentication/temporaryAccessPassMethods`;

/**
 * Raw HTTPS that waits out a 429 as Graph asks (Retry-After, https://learn.microsoft.com/graph/throttling):
 * a user's authentication methods have a budget of their own, 5 requests per 10 s per app and tenant
 * (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits), which this file's
 * requests outrun. The SDK client (session.graph) waits by itself.
 */
async function rawWithinBudget(...args: Parameters<typeof rawGraph>): ReturnType<typeof rawGraph> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await rawGraph(...args);
    if (response.status !== 429 || attempt === 4) return response;
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
  }
}

describe(`create (${CREATE}, ${RESOURCE})`, () => {
  it('when a pass is created, then 201 carries the secret once with its times, lifetime and usability', async () => {
    const user = await session.createUser();
    const response = await rawWithinBudget(session.target, path(user.id), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lifetimeInMinutes: 60, isUsableOnce: true }),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', lifetimeInMinutes: 60, isUsableOnce: true,
      isUsable: true, methodUsabilityReason: 'EnabledByPolicy',
    });
    expect(response.body.temporaryAccessPass).toEqual(expect.any(String));
    expect(response.body.temporaryAccessPass.length).toBeGreaterThanOrEqual(8);
    for (const field of ['createdDateTime', 'startDateTime']) expect(Date.parse(response.body[field])).not.toBeNaN();
  });

  it('when startDateTime lies ahead, then the pass is not usable yet (NotYetValid)', async () => {
    const user = await session.createUser();
    const start = new Date(Date.now() + 24 * 3600_000).toISOString();
    const pass = await session.graph.api(path(user.id)).post({ startDateTime: start, lifetimeInMinutes: 60, isUsableOnce: false });
    expect(pass).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid' });
    expect(Date.parse(pass.startDateTime)).toBe(Date.parse(start));
  });

  it('when the app lacks UserAuthenticationMethod.ReadWrite.All, then 403 Authorization_RequestDenied', async () => {
    const user = await session.createUser();
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api(path(user.id)).post({ lifetimeInMinutes: 60 }));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});

describe(`list, get and delete (${LIST}, ${DELETE})`, () => {
  it('when passes are listed or read, then the secret is null', async () => {
    const user = await session.createUser();
    const created = await session.graph.api(path(user.id)).post({ lifetimeInMinutes: 60 });
    const listed = await session.graph.api(path(user.id)).get() as { value: Json[] };
    expect(listed.value.map((method) => [method.id, method.temporaryAccessPass])).toEqual([[created.id, null]]);
    const read = await session.graph.api(`${path(user.id)}/${created.id}`).get();
    expect(read).toMatchObject({ id: created.id, temporaryAccessPass: null, lifetimeInMinutes: 60 });
  });

  it('when a pass is deleted, then 204 and the list is empty', async () => {
    const user = await session.createUser();
    const created = await session.graph.api(path(user.id)).post({ lifetimeInMinutes: 60 });
    const response = await rawWithinBudget(session.target, `${path(user.id)}/${created.id}`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect((await session.graph.api(path(user.id)).get()).value).toEqual([]);
  });

  it('when the app lacks UserAuthenticationMethod.Read(Write).All, then listing is 403', async () => {
    const user = await session.createUser();
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api(path(user.id)).get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});
