import { defineConfig } from 'vitest/config';

// The newcomer check (`npm run test:newcomer`): `npm start` for real on the fixed ports with a
// PATH of Node and npm only, driven over the Playground's HTTP API. .ci/run runs it before it
// installs Chromium. Not part of `npm test` (fixed ports, one at a time).
export default defineConfig({
  test: {
    include: ['test/newcomer/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
