import { dirname } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureLocalCertificates } from '../src/local-tenant/certificates.js';

/**
 * Runs once before the workers of a project that starts servers: makes the local CA (first
 * run only; generation is locked, so two runs at once agree) where vitest.config.ts told the
 * workers to trust it. TLS verification is never turned off.
 */
export default function setup(project: TestProject): void {
  const caPath = project.config.env['NODE_EXTRA_CA_CERTS'];
  if (!caPath) {
    throw new Error(`project ${project.name} starts servers but its workers do not trust the local CA: set test.env.NODE_EXTRA_CA_CERTS in vitest.config.ts.`);
  }
  const { caCertPath } = ensureLocalCertificates(dirname(caPath));
  if (caCertPath !== caPath) throw new Error(`the local CA is made at ${caCertPath}, but the workers trust ${caPath}`);
}
