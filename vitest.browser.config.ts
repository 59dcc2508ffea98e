import { defineConfig } from 'vitest/config';

// Browser tests: `npm start` for real (Azurite, local tenant, bot, Agents Playground) driven
// through the Playground's UI in headless Chromium. They share fixed ports, so one at a time.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
