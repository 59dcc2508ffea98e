import { existsSync } from 'node:fs';

/** Runs once before the workers: checks that vitest.config.ts made the local CA trusted. */
export default function setup(): void {
  const caPath = process.env.NODE_EXTRA_CA_CERTS;
  if (!caPath || !existsSync(caPath)) {
    throw new Error('NODE_EXTRA_CA_CERTS must point at the local CA (vitest.config.ts sets it from .local/tls); TLS verification is never turned off.');
  }
}
