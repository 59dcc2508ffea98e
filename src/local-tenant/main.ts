/**
 * `npm run tenant`: the local tenant as a long-running program on 127.0.0.1.
 * Env: LOCAL_TENANT_PORT (default 44300), LOCAL_TENANT_HOST (default 127.0.0.1).
 * Flag: --reset starts the directory again from the seed.
 */
import { join } from 'node:path';
import { writeAtomically } from './certificates.js';
import { DEFAULT_STATE_DIR, startLocalTenant } from './server.js';

const port = Number(process.env['LOCAL_TENANT_PORT'] ?? 44300);
const host = process.env['LOCAL_TENANT_HOST'] ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`LOCAL_TENANT_PORT must be a port number, got '${process.env['LOCAL_TENANT_PORT']}'.`);
  process.exit(2);
}

const tenant = await startLocalTenant({ host, port, stateDir: DEFAULT_STATE_DIR, reset: process.argv.includes('--reset') });

// What `npm start` reads to configure the bot; the secret lives only in this 0600 file.
const credentialsPath = join(DEFAULT_STATE_DIR, 'app-credentials.json');
writeAtomically(credentialsPath, `${JSON.stringify({
  tenantId: tenant.tenantId,
  clientId: tenant.app.clientId,
  clientSecret: tenant.app.clientSecret,
  certificatePath: tenant.app.certificatePath,
  authorityHost: tenant.authorityHost,
  graphBaseUrl: tenant.graphBaseUrl,
  caCertPath: tenant.caCertPath,
}, null, 2)}\n`, 0o600);

console.log(`Local tenant (Contoso, ${tenant.tenantId}) is running.`);
console.log(`authority:    ${tenant.authorityHost}/${tenant.tenantId}`);
console.log(`graph:        ${tenant.graphBaseUrl}/v1.0`);
console.log(`inspection:   ${tenant.inspectionUrl}`);
console.log(`token:        ${tenant.url}/${tenant.tenantId}/oauth2/v2.0/token`);
console.log(`client id:    ${tenant.app.clientId}`);
console.log(`credentials:  ${credentialsPath}`);
console.log(`ca:           ${tenant.caCertPath}`);
console.log(`state:        ${DEFAULT_STATE_DIR}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the local tenant`);
  await tenant.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
