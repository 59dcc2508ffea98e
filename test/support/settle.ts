/** Runs a request as the resume scheduler would: after each crash (or pending answer), another instance goes on, until it is finished. */
import type { OnboardingOutcome } from '../../src/onboarding/index.js';
import { Crash } from '../onboarding/fakes.js';

export async function settleAcrossRestarts(
  first: () => Promise<OnboardingOutcome>,
  resume: (attempt: number) => Promise<OnboardingOutcome>,
  /** What passes between a crash and the next run (the crashed run's lease running out). */
  afterCrash: () => void,
  tries = 10,
): Promise<OnboardingOutcome> {
  let run = first;
  for (let i = 0; i < tries; i += 1) {
    try {
      const outcome = await run();
      if (!outcome.pending) return outcome;
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
      afterCrash();
    }
    run = () => resume(i);
  }
  throw new Error('the request did not finish');
}
