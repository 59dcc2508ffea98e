/**
 * A clock for the bot under test that runs at real speed from a chosen instant, so what
 * depends on where "now" falls (hourly rate-limit windows, "try again in …") is the same on
 * every run, however long the run takes and whatever the wall clock says.
 */
import { systemClock, type Clock } from '../../src/onboarding/index.js';

export function clockRunningFrom(start: Date): Clock {
  const offsetMs = start.getTime() - Date.now();
  return { now: () => new Date(Date.now() + offsetMs), sleep: systemClock.sleep };
}

export type JumpingClock = Clock & { jump(ms: number): void };

/**
 * A clock at real speed that a test can also move forward (to let a reveal window or a crashed
 * run's lease run out); `longestSleepMs` cuts every wait short (a Retry-After need not be sat out).
 */
export function clockThatCanJump(options: { longestSleepMs?: number } = {}): JumpingClock {
  let offsetMs = 0;
  const longest = options.longestSleepMs;
  return {
    now: () => new Date(Date.now() + offsetMs),
    sleep: longest === undefined ? systemClock.sleep : (ms) => systemClock.sleep(Math.min(ms, longest)),
    jump: (ms) => void (offsetMs += ms),
  };
}
