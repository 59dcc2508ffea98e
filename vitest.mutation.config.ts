import { defineConfig } from 'vitest/config';

// The pure-domain unit tests that cover the rules Stryker mutates (stryker.config.mjs):
// no TLS certificates, no Azurite, no local tenant, so each mutant runs in milliseconds.
// When a file joins Stryker's `mutate` list, add the unit tests that cover it here.
export default defineConfig({
  test: {
    include: [
      'test/onboarding/user-name.test.ts',
      'test/onboarding/password.test.ts',
      'test/onboarding/request.test.ts',
      'test/request-reading/extract-onboarding-request.test.ts',
      'test/onboarding/secret.test.ts',
      // The record kernel (claim a step, compare-and-set write, audit, backoff) as the use cases drive it.
      'test/onboarding/workflow.test.ts',
      'test/onboarding/resume.test.ts',
      'test/onboarding/credentials.test.ts',
      'test/onboarding/record-kernel.test.ts',
    ],
  },
});
