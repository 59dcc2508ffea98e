// @ts-check
// Mutation testing of the domain's rules: `npm run test:mutation`. Slow (minutes), so it is
// not part of `npm test` or .ci/run. Reports go to build/mutation/ (git-ignored).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // One line per file; add the unit tests that cover a new file to vitest.mutation.config.ts.
  mutate: [
    'src/onboarding/rules/user-name.ts',
    'src/onboarding/rules/password.ts',
    'src/onboarding/request/request.ts',
    'src/onboarding/credentials/secret.ts',
    'src/onboarding/credentials/secret-vault.ts',
    'src/onboarding/kernel/record-kernel.ts',
  ],
  coverageAnalysis: 'perTest',
  checkers: [],
  concurrency: 2,
  timeoutMS: 10_000,
  // Incremental reruns only the mutants whose code or covering tests changed. A static mutant
  // (a module-level constant: LIMITS, COUNTRIES, LATIN_SPECIALS …) has no covering tests, so its
  // old "survived" is kept even when a new test would kill it: count with `-- --force` after such tests.
  incremental: true,
  incrementalFile: 'build/mutation/stryker-incremental.json',
  reporters: ['html', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'build/mutation/index.html' },
  tempDirName: 'build/.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['build', 'dist', 'coverage', '.local'],
};
export default config;
