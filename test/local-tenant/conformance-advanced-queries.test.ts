import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { conformanceSession, eventually, rawGraph, type Json } from './target.js';

// Advanced queries on directory objects, each behaviour from the page cited above its test.
const ADVANCED_QUERIES = 'https://learn.microsoft.com/en-us/graph/aad-advanced-queries';
const SEARCH = 'https://learn.microsoft.com/en-us/graph/search-query-parameter';
const LIST_USERS = 'https://learn.microsoft.com/en-us/graph/api/user-list';

const session = conformanceSession();
const eventual = { ConsistencyLevel: 'eventual' };
const { createUser } = session;

async function searchUsers(search: string, minimum: number): Promise<Json> {
  return eventually(session.target, async () => (await session.graph.api('/users').header('ConsistencyLevel', 'eventual')
    .query({ $search: search }).select('id,displayName').get()) as Json, (page) => page.value.length >= minimum);
}

/** A word no other user's displayName has, in letters only (tokenised search splits at digits). */
function uniqueWord(): string {
  return `Zq${Array.from(randomBytes(8), (byte) => 'bcdfghjkmnpqrstvwxz'.charAt(byte % 19)).join('')}`;
}

describe(`$count (${ADVANCED_QUERIES})`, () => {
  it('when GET /users/$count carries ConsistencyLevel: eventual, then 200 answers a plain number', async () => {
    await createUser();
    const response = await rawGraph(session.target, '/users/$count', { headers: eventual });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number.isInteger(response.body)).toBe(true);
    expect(response.body).toBeGreaterThanOrEqual(1);
  });

  it('when GET /users/$count lacks the header, then 400 Request_BadRequest "$count is not currently supported."', async () => {
    const response = await rawGraph(session.target, '/users/$count');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('Request_BadRequest');
    expect(response.body.error.message).toBe('$count is not currently supported.');
  });

  it('when $count=true comes without the header, then Graph ignores it: 200 and no @odata.count', async () => {
    const response = await rawGraph(session.target, '/users?$count=true&$top=1');
    expect(response.status).toBe(200);
    expect(response.body).not.toHaveProperty('@odata.count');
    expect(response.body.value).toHaveLength(1);
  });

  it('when $count=true comes with the header, then @odata.count is the total', async () => {
    const response = await rawGraph(session.target, '/users?$count=true&$top=1', { headers: eventual });
    expect(response.status).toBe(200);
    expect(response.body['@odata.count']).toBeGreaterThanOrEqual(1);
  });
});

describe(`$search (${SEARCH}, ${ADVANCED_QUERIES})`, () => {
  it('when $search lacks the header, then 400 Request_UnsupportedQuery', async () => {
    const response = await rawGraph(session.target, '/users?$search="displayName:adele"');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('Request_UnsupportedQuery');
    expect(response.body.error.message).toBe("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
  });

  it('when $search="displayName:…" names the start of a word of a displayName, then that user is found', async () => {
    const word = uniqueWord();
    const user = await createUser({ displayName: `Conformance ${word}Person` });
    const prefix = word.slice(0, word.length - 2);
    const found = await searchUsers(`"displayName:${prefix}"`, 1);
    expect(found.value.map((u: Json) => u.id)).toEqual([user.id]);
  });

  it('when $search joins two clauses with OR, then users matching either come back', async () => {
    const [first, second] = [uniqueWord(), uniqueWord()];
    const a = await createUser({ displayName: `Conformance ${first}` });
    const b = await createUser({ displayName: `Conformance ${second}` });
    const found = await searchUsers(`"displayName:${first}" OR "displayName:${second}"`, 2);
    expect(found.value.map((u: Json) => u.id).sort()).toEqual([a.id, b.id].sort());
  });
});

describe(`$top (${LIST_USERS}, ${ADVANCED_QUERIES})`, () => {
  it('when $top is over 999, then 400 Request_UnsupportedQuery', async () => {
    const response = await rawGraph(session.target, '/users?$top=1000');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('Request_UnsupportedQuery');
  });

  it('when $top is 999, then 200', async () => {
    const response = await rawGraph(session.target, '/users?$top=999&$select=id');
    expect(response.status).toBe(200);
  });
});
