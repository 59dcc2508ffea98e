/**
 * vitest global setup: one in-memory Azurite on free loopback ports for the whole run,
 * its connection string provided to tests as `inject('azuriteConnectionString')`.
 */
import type { TestProject } from 'vitest/node';
import { freePort, startAzurite } from '../../scripts/local-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

export default async function setup(project: TestProject) {
  const azurite = await startAzurite({ blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() });
  project.provide('azuriteConnectionString', azurite.connectionString);
  return async () => {
    await azurite.process.stop(5000);
  };
}
