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
      'test/onboarding/request-from-message.test.ts',
      'test/onboarding/secret.test.ts',
    ],
  },
});
