/**
 * `npm start`: everything local mode needs, on loopback — Azurite (data under .local/),
 * the local tenant (Entra + Graph), the bot, and the Microsoft 365 Agents Playground
 * pointed at the bot. One line per service with its URL; Ctrl-C stops them all.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { parseEnv } from 'node:util';
import open from 'open';
import { ensureLocalCertificates } from '../src/local-tenant/certificates.js';
import { bin, httpsGetStatus, isPortInUse, projectRoot, startAzurite, startBotProcess, startPlayground, startProcess, waitUntilReady, type ManagedProcess } from './local-services.js';
import { writePlaygroundConfig } from './playground-config.js';

const localDir = join(projectRoot, '.local');
const env = { ...parseEnv(readFileSync(join(projectRoot, 'env/.env.local'), 'utf8')), ...definedOnly(process.env) };
const botPort = Number(env.PORT ?? 3978);
const tenantPort = Number(env.LOCAL_TENANT_PORT ?? 44300);
const playgroundPort = Number(env.PLAYGROUND_PORT ?? 56150);
const azurite = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };

const running: ManagedProcess[] = [];
let stopping = false;

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

async function stopAll(exitCode: number) {
  if (stopping) return;
  stopping = true;
  say('Stopping…');
  // Reverse order: the Playground and the bot first, then what they depend on.
  for (const service of [...running].reverse()) await service.stop(10_000);
  say('All services stopped.');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));

async function main() {
  mkdirSync(localDir, { recursive: true, mode: 0o700 });
  const busy = [];
  for (const [name, port] of [['bot', botPort], ['local tenant', tenantPort], ['Playground', playgroundPort], ['Azurite blob', azurite.blobPort], ['Azurite table', azurite.tablePort]] as const) {
    if (await isPortInUse(port)) busy.push(`${name} port ${port}`);
  }
  if (busy.length > 0) {
    throw new Error(`These ports are already in use: ${busy.join(', ')}. Stop whatever holds them (is another \`npm start\` running?) or change PORT / LOCAL_TENANT_PORT / PLAYGROUND_PORT.`);
  }

  const tls = ensureLocalCertificates(join(localDir, 'tls'));
  const vaultKey = localSecret(join(localDir, 'vault.key'), () => randomBytes(32).toString('base64'));

  const logs = join(localDir, 'logs');
  mkdirSync(logs, { recursive: true });
  mkdirSync(join(localDir, 'azurite'), { recursive: true });
  const storage = await startAzurite({ ...azurite, location: join(localDir, 'azurite'), logFile: join(logs, 'azurite.log') });
  running.push(storage.process);
  say(`Azurite (storage)     http://127.0.0.1:${azurite.blobPort} (blob), http://127.0.0.1:${azurite.tablePort} (table) — data in .local/azurite`);

  const tenant = startProcess({
    name: 'local tenant',
    command: bin('tsx'),
    args: ['src/local-tenant/main.ts'],
    env: { LOCAL_TENANT_PORT: String(tenantPort), NODE_EXTRA_CA_CERTS: tls.caCertPath },
    logFile: join(logs, 'local-tenant.log'),
  });
  running.push(tenant);
  const credentialsPath = join(localDir, 'local-tenant', 'app-credentials.json');
  const tenantId = env.TENANT_ID ?? '';
  await waitUntilReady(
    tenant,
    async () => existsSync(credentialsPath) && (await httpsGetStatus(`https://127.0.0.1:${tenantPort}/${tenantId}/v2.0/.well-known/openid-configuration`, tls.caCertPath)) === 200,
  );
  const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8')) as { clientId: string; clientSecret: string; tenantId: string };
  if (credentials.tenantId !== tenantId) {
    throw new Error(`The local tenant serves tenant ${credentials.tenantId} but env/.env.local says TENANT_ID=${tenantId}; make them the same.`);
  }
  say(`Local tenant (Entra + Graph) https://127.0.0.1:${tenantPort} — users and request log at https://127.0.0.1:${tenantPort}/_tenant/`);
  say(`                      mail sent by the bot (welcome emails) at https://127.0.0.1:${tenantPort}/_tenant/outbox`);

  const bot = startBotProcess({
    env: {
      NODE_EXTRA_CA_CERTS: tls.caCertPath,
      GRAPH_CLIENT_ID: credentials.clientId,
      GRAPH_CLIENT_SECRET: credentials.clientSecret,
      SECRET_VAULT_KEY: vaultKey,
    },
    logFile: join(logs, 'bot.log'),
  });
  running.push(bot);
  await waitUntilReady(bot, async () => (await fetch(`http://127.0.0.1:${botPort}/healthz`)).ok);
  say(`Bot                   http://127.0.0.1:${botPort}/api/messages (health: http://127.0.0.1:${botPort}/healthz)`);

  writePlaygroundConfig({
    seedPath: join(projectRoot, 'src/local-tenant/seed.json'),
    outputPath: join(projectRoot, '.m365agentsplayground.yml'),
    botId: env.BOT_ID ?? '00000000-0000-4000-8000-0000000b0701',
    currentUserUpn: env.PLAYGROUND_USER ?? 'megan.bowen@contoso.com',
  });
  const playground = startPlayground({
    port: playgroundPort, botUrl: `http://127.0.0.1:${botPort}/api/messages`, logFile: join(logs, 'playground.log'),
    activityLogFile: playgroundLogThatCannotBeWritten(),
  });
  running.push(playground);
  await waitUntilReady(playground, async () => (await fetch(`http://127.0.0.1:${playgroundPort}/_debug/ping`)).ok);
  const playgroundUrl = `http://localhost:${playgroundPort}`;
  say(`Agents Playground     ${playgroundUrl} — open it and type "help"`);
  say(`                      you are ${env.PLAYGROUND_USER ?? 'megan.bowen@contoso.com'}; tickets go to the General channel of team IT`);
  say('Logs: .local/logs/ (bot.log is JSON; no passwords or tokens are ever logged). Press Ctrl-C to stop everything.');
  openInBrowser(playgroundUrl);

  // If any service dies, say which and take the rest down rather than limp along.
  const first = await Promise.race(running.map((service) => service.exited.then((code) => ({ service, code }))));
  if (!stopping) {
    say(`${first.service.name} stopped unexpectedly (${first.code}). Its last output:\n${first.service.output().slice(-3000)}`);
    await stopAll(1);
  }
}

/**
 * Opens the Playground's page in the person's browser where this machine can, and says so
 * where it cannot: a machine without a browser still starts. The `open` package picks the
 * opener as the Playground itself would (macOS `open`, PowerShell on Windows and WSL,
 * xdg-open elsewhere — the system's, or its own copy of the script where xdg-utils is
 * missing). The opener runs detached and is never waited for (it may run as long as the
 * browser it started); one that cannot start or ends in failure (xdg-open: exit 3, no
 * browser found) is reported. TEAMSAPPTESTER_BROWSER=none, the Playground's own switch,
 * keeps the browser closed.
 */
function openInBrowser(url: string): void {
  if (env.TEAMSAPPTESTER_BROWSER === 'none') return;
  const notOpened = (reason: string) => say(`No browser could be opened here (${reason}): open ${url} in a browser on this machine.`);
  open(url).then(
    (opener) => opener.once('exit', (code, signal) => {
      if (code !== 0) notOpened(`${basename(opener.spawnfile)} ended with ${code === null ? signal : `exit code ${code}`}`);
    }),
    (error: unknown) => notOpened(error instanceof Error ? error.message : String(error)),
  );
}

/**
 * The Playground copies every activity it relays — the answer to a Reveal click included —
 * into devTools/m365agentsplayground.log in the checkout while no log viewer is connected.
 * Its log path (M365_AGENTS_PLAYGROUND_LOGFILE) is pointed inside a plain file, where no
 * file can be created (its writes fail, and it ignores that); a copy left by an earlier
 * version of this launcher is removed. (Not /dev/null: the Playground deletes its log file at start.)
 */
function playgroundLogThatCannotBeWritten(): string {
  rmSync(join(projectRoot, 'devTools', 'm365agentsplayground.log'), { force: true });
  const blocker = join(localDir, 'playground-log-disabled');
  if (!existsSync(blocker)) {
    writeFileSync(blocker, 'A plain file on purpose: the Agents Playground would log revealed secrets to a file inside it.\n', { mode: 0o600 });
  }
  return join(blocker, 'm365agentsplayground.log');
}

/** Reads a local-only secret from `path`, creating it (mode 0600) on first run. */
function localSecret(path: string, create: () => string): string {
  if (!existsSync(path)) writeFileSync(path, create(), { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

function definedOnly(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

main().catch(async (error: unknown) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
});
