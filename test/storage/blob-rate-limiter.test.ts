import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createBlobRateLimiter } from '../../src/storage/blob-rate-limiter.js';
import { describeRetryAfter } from '../../src/onboarding/index.js';

const HOUR = 3_600_000;

describe('fixed-window rate limiter in Blob Storage', () => {
  const containerName = `limits-${randomBytes(5).toString('hex')}`;
  const connectionString = inject('azuriteConnectionString');

  it('when two instances race for the last slots, then exactly `limit` takes succeed', async () => {
    const at = new Date('2026-11-22T10:15:00Z');
    const a = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    const b = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).take('requester:race', 5, HOUR)));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    const refused = results.find((r) => !r.allowed);
    expect(refused && !refused.allowed ? refused.retryAfterMs : 0).toBe(45 * 60_000);
  });

  it('when 40 turns on one instance take from the same counter at once, then all 40 get a slot (none refused while slots remain) and the count is exact', async () => {
    const at = new Date('2026-11-22T14:15:00Z');
    const limiter = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    const results = await Promise.all(Array.from({ length: 40 }, () => limiter.take('all-requesters', 100, HOUR)));
    expect(results.filter((r) => r.allowed)).toHaveLength(40);
    expect(results.map((r) => (r.allowed ? r.remaining : -1)).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    // Another instance sees the count the 40 left.
    const other = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    expect(await other.take('all-requesters', 100, HOUR)).toEqual({ allowed: true, remaining: 59 });
  });

  it('when another instance took slots since this one last wrote, then its memory of the count does not let it go over the limit', async () => {
    const at = new Date('2026-11-22T12:15:00Z');
    const a = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    const b = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    expect((await a.take('requester:stale', 3, HOUR)).allowed).toBe(true);
    expect((await b.take('requester:stale', 3, HOUR)).allowed).toBe(true);
    expect(await a.take('requester:stale', 3, HOUR)).toEqual({ allowed: true, remaining: 0 });
    expect((await b.take('requester:stale', 3, HOUR)).allowed).toBe(false);
    expect((await a.take('requester:stale', 3, HOUR)).allowed).toBe(false);
  });

  it('when the window turns, then the counter starts again', async () => {
    let at = new Date('2026-11-22T10:59:00Z');
    const limiter = createBlobRateLimiter({ connectionString, containerName, now: () => at });
    expect((await limiter.take('requester:window', 1, HOUR)).allowed).toBe(true);
    expect((await limiter.take('requester:window', 1, HOUR)).allowed).toBe(false);
    at = new Date('2026-11-22T11:00:01Z');
    expect((await limiter.take('requester:window', 1, HOUR)).allowed).toBe(true);
  });

  it('when keys differ, then they are counted apart', async () => {
    const limiter = createBlobRateLimiter({ connectionString, containerName });
    expect((await limiter.take('requester:x', 1, HOUR)).allowed).toBe(true);
    expect((await limiter.take('requester:y', 1, HOUR)).allowed).toBe(true);
  });

  it.each([
    [30_000, 'in 1 minute'],
    [12 * 60_000, 'in 12 minutes'],
    [90 * 60_000, 'in about 2 hours'],
    [60 * 60_000, 'in about 1 hour'],
  ])('when %i ms remain, then the person reads "%s"', (ms, text) => {
    expect(describeRetryAfter(ms)).toBe(text);
  });
});
