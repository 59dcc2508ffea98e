import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ensureLocalCertificates } from './src/local-tenant/certificates.js';

// Every test process trusts the local tenant's CA, so TLS verification stays on everywhere.
// Set before the forked workers start: Node reads NODE_EXTRA_CA_CERTS at process start only.
const { caCertPath } = ensureLocalCertificates(fileURLToPath(new URL('./.local/tls', import.meta.url)));
process.env.NODE_EXTRA_CA_CERTS = caCertPath;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts', 'test/support/azurite-setup.ts'],
    // The default output plus one line of local-tenant fidelity when conformance tests ran.
    reporters: ['default', './test/support/conformance-reporter.ts'],
  },
});
