import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Three projects, so a change to the domain is answered in seconds and only the tests that
 * start servers pay for Azurite and the local CA. `npm test` runs all three.
 *
 * Which project a file belongs to follows from what its tests start, decided by folder:
 * - unit: nothing but the code under test — no socket, no server, no Azurite, no TLS.
 *   The domain and its rules, reading a request out of a sentence, cards, config, the
 *   manifest checks. A new folder of such tests is added to UNIT_FOLDERS.
 * - resilience: the bot as real child processes (`tsx src/index.ts`) that are killed,
 *   stopped and started again, and the production build (`npm run build`, `node dist/index.js`).
 * - integration: everything else — the bot, the local tenant and the recording Bot
 *   Connector in-process over real HTTP(S), and Azurite. A file nobody classified lands
 *   here, where everything it could need is running: it may be slower than it needs to be,
 *   never broken.
 * Folders that mix the kinds (a pure rule file beside its server's tests) name their pure
 * files in UNIT_FILES.
 */
const UNIT_FOLDERS = ['onboarding', 'request-reading', 'cards', 'bot/cards', 'config', 'manifest', 'architecture', 'infra', 'scripts'];
const UNIT_FILES = [
  'test/directory/graph-directory.test.ts', // the Graph adapter against a stubbed fetch
  'test/directory/graph-guests-stubbed.test.ts', // the guest adapter against a stubbed fetch
  'test/local-tenant/graph-rules.test.ts', // the emulator's rules as functions
  'test/storage/audit-csv.test.ts', // the CSV export as a function
  'test/support/local-stack.test.ts', // the npm start helper against stand-in launchers (child processes, no socket)
];
const RESILIENCE = ['test/resilience/**/*.test.ts', 'test/bot/shutdown.test.ts', 'test/telemetry/**/*.test.ts'];
const unit = [...UNIT_FOLDERS.map((folder) => `test/${folder}/**/*.test.ts`), ...UNIT_FILES];

// Where the integration projects' global setup puts the local CA (test/global-setup.ts).
// Node reads NODE_EXTRA_CA_CERTS at process start only, so it is set in the environment the
// forked workers start with, and bot processes they spawn inherit it.
const localCa = fileURLToPath(new URL('./.local/tls/local-ca.pem', import.meta.url));
const withServers = {
  globalSetup: ['test/global-setup.ts', 'test/support/azurite-setup.ts'],
  env: { NODE_EXTRA_CA_CERTS: localCa },
};

const common = {
  pool: 'forks',
  // Generous for a busy 2-core machine: a timeout says "hung", never "slow today".
  testTimeout: 30_000,
  hookTimeout: 60_000,
} as const;

export default defineConfig({
  test: {
    // The default output plus one line of local-tenant fidelity when conformance tests ran.
    reporters: ['default', './test/support/conformance-reporter.ts'],
    projects: [
      {
        test: { ...common, name: 'unit', include: unit },
      },
      {
        test: {
          ...common,
          ...withServers,
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // test/browser and test/newcomer run on their own (`npm run test:browser`, `npm run test:newcomer`).
          exclude: ['test/browser/**', 'test/newcomer/**', ...unit, ...RESILIENCE, 'node_modules/**'],
        },
      },
      {
        test: { ...common, ...withServers, name: 'resilience', include: RESILIENCE, testTimeout: 150_000, hookTimeout: 90_000 },
      },
    ],
  },
});
