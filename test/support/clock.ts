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

/** A clock at real speed that a test can also move forward (to let a reveal window run out). */
export function clockThatCanJump(): Clock & { jump(ms: number): void } {
  let offsetMs = 0;
  return { now: () => new Date(Date.now() + offsetMs), sleep: systemClock.sleep, jump: (ms) => void (offsetMs += ms) };
}
