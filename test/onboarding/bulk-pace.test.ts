/** The pace a bulk keeps to a documented budget (bulk-pace.ts), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { floorSeconds, Pace } from '../../src/onboarding/index.js';
import { FakeClock } from './fakes.js';

const ENTRA_WRITES = { capacity: 3000, perSeconds: 150 };

describe('pacing to a budget (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits)', () => {
  it('when the bucket is full, then a burst of the whole budget goes at once and the rest at the refill rate (20 writes a second)', async () => {
    const clock = new FakeClock();
    const pace = new Pace(ENTRA_WRITES, clock);
    for (let i = 0; i < 150; i += 1) await pace.take(20);
    // All but the last batch at once; it waits a quarter second's refill (5 writes), kept in hand because a request reaches Graph a little after it leaves.
    expect(clock.slept).toBe(250);
    for (let i = 0; i < 50; i += 1) await pace.take(20);
    // 1,000 more writes at 20 a second.
    expect(clock.slept).toBe(50_250);
  });

  it('when takers ask at once, then they go in turn and together no faster than the budget', async () => {
    const clock = new FakeClock();
    const pace = new Pace({ capacity: 20, perSeconds: 1 }, clock);
    await Promise.all(Array.from({ length: 5 }, () => pace.take(20)));
    expect(clock.slept).toBe(4000);
  });

  it('when Graph says 95 % of the budget is used (x-ms-throttle-limit-percentage), then at most what that leaves is spent before waiting', async () => {
    const clock = new FakeClock();
    const pace = new Pace(ENTRA_WRITES, clock);
    pace.observeUsedShare(0.95);
    // 300 left at most (0.05 + 0.05 for the header's one decimal): 300 go after the quarter second in hand, the next 100 wait for 100 more.
    await pace.take(300);
    expect(clock.slept).toBe(250);
    await pace.take(100);
    expect(clock.slept).toBe(5250);
    pace.observeUsedShare(undefined);
    pace.observeUsedShare(Number.NaN);
  });

  it('when a request is throttled, then nobody sends before its Retry-After (fractional seconds); a 429 again within a window lowers the refill assumed by a quarter, and a window without one restores it', async () => {
    const clock = new FakeClock();
    const pace = new Pace({ capacity: 20, perSeconds: 4 }, clock); // 5 a second
    await pace.take(20);
    for (let i = 0; i < 19; i += 1) pace.onThrottled(2.128);
    expect(pace.throttled).toBe(19);
    expect(pace.heldUntil()).toBe(clock.now().getTime() + 2128);
    // One 429 after a quiet spell: a wait, the pace kept (a whole bucket refills in 4 s; no margin past a whole bucket).
    let before = clock.slept;
    await pace.take(20);
    expect(clock.slept - before).toBe(4000);
    // Another within the window: ¾ of the refill (20 in 5.33 s, the hold counted in).
    pace.onThrottled(1);
    before = clock.slept;
    await pace.take(20);
    expect(clock.slept - before).toBeGreaterThanOrEqual(5333);
    clock.advance(8000); // a window and more without a 429
    await pace.take(20);
    const restored = clock.slept;
    await pace.take(20);
    expect(clock.slept - restored).toBe(4000);
  });

  it('when the budget is spent with a full bucket at the start, then the floor is (writes − capacity) ÷ refill rate, as facts §4.7 works it out', () => {
    expect(floorSeconds(ENTRA_WRITES, 40_000)).toBe(1850);
    expect(floorSeconds(ENTRA_WRITES, 20_000)).toBe(850);
    expect(floorSeconds(ENTRA_WRITES, 2000)).toBe(0);
  });
});
