/**
 * Starting and stopping the local stand-ins for the outside world (Azurite, the local
 * tenant, the Agents Playground) and the bot itself as child processes. Used by
 * `npm start` and by tests that need real processes. Each child runs in its own process
 * group so that stopping it stops everything it started; nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const bin = (name: string) => `${projectRoot}node_modules/.bin/${name}`;

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Last lines the process wrote, for error messages (never printed unless it fails). */
  output(): string;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Forward the child's output to ours; otherwise it is kept for diagnosis. */
  inheritOutput?: boolean;
  /** Also append the child's output to this file (for `npm start`: .local/logs/). */
  logFile?: string;
}

export function startProcess(options: StartProcessOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.inheritOutput ? 'inherit' : 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const keep = (chunk: Buffer) => {
    log?.write(chunk);
    tail.push(chunk.toString('utf8'));
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      log?.end();
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      tail.push(String(error));
      resolve('spawn-error');
    });
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    name: options.name,
    child,
    exited,
    output: () => tail.join(''),
    async stop(graceMs = 10_000) {
      if (ended || child.pid === undefined) return;
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it started lingers in its group.
      signalGroup(child.pid, 'SIGKILL');
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The bot as people run it (`tsx src/index.ts`, configured from env/.env.local underneath
 * `env`), in its own process group. Used by `npm start` and by tests with real processes.
 */
export function startBotProcess(options: { name?: string; env: Record<string, string | undefined>; logFile?: string }): ManagedProcess {
  return startProcess({
    name: options.name ?? 'bot',
    command: bin('tsx'),
    args: ['src/index.ts'],
    env: { APP_ENV: 'local', ...options.env },
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
}

/**
 * The Microsoft 365 Agents Playground pointed at the bot, reachable on loopback only: it
 * has no host option and listens on every interface, so it runs with a preload that binds
 * each of its servers to 127.0.0.1 (scripts/loopback-only.cjs).
 *
 * It never opens a browser itself: 0.2.28 spawns `xdg-open` (the `open` package, v8) without
 * handling the spawn's error, so on a machine without xdg-utils — a server, a container, WSL
 * without wslu, a fresh CI machine — ENOENT reaches its uncaught-exception handler and it
 * exits 1 right after "Listening on …". Its switch, read in its dist/index.js:
 * `shouldOpenBrowser = "none" !== process.env.TEAMSAPPTESTER_BROWSER`. The launcher opens
 * the page instead, where it can (start-local.ts).
 */
export function startPlayground(options: { port: number; botUrl: string; logFile?: string; activityLogFile?: string }): ManagedProcess {
  const preload = `--require=${JSON.stringify(`${projectRoot}scripts/loopback-only.cjs`)}`;
  return startProcess({
    name: 'Agents Playground',
    command: bin('agentsplayground'),
    args: ['-e', options.botUrl, '-c', 'msteams', '-p', String(options.port), '--dt'],
    env: {
      NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
      TEAMSAPPTESTER_BROWSER: 'none',
      // Where the Playground copies every activity it relays (see start-local.ts: nowhere it can write).
      ...(options.activityLogFile ? { M365_AGENTS_PLAYGROUND_LOGFILE: options.activityLogFile } : {}),
    },
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
}

/** Polls `probe` until it resolves true, the process exits, or the timeout passes. */
export async function waitUntilReady(
  process_: ManagedProcess,
  probe: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void process_.exited.then((code) => {
    exitedWith = code;
  });
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${process_.name} exited (${exitedWith}) before it was ready:\n${process_.output().slice(-4000)}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${process_.name} was not ready within ${timeoutMs / 1000} s:\n${process_.output().slice(-4000)}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export interface AzuriteOptions {
  /** Folder for persistent data; omit for in-memory (tests). */
  location?: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  inheritOutput?: boolean;
  logFile?: string;
  /**
   * HTTPS with this certificate and OAuth (`--oauth basic`: Azurite accepts a bearer token whose
   * issuer, audience https://storage.azure.com and lifetime are right; it checks no signature).
   * Azurite takes tokens over HTTPS only. The account key keeps working beside them.
   */
  oauth?: { certPath: string; keyPath: string; caCertPath: string };
}

export interface RunningAzurite {
  readonly process: ManagedProcess;
  readonly connectionString: string;
  /** The account's blob and table endpoints (STORAGE_BLOB_URL, STORAGE_TABLE_URL). */
  readonly blobUrl: string;
  readonly tableUrl: string;
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(ports: { blobPort: number; queuePort: number; tablePort: number }, scheme: 'http' | 'https' = 'http'): string {
  return [
    `DefaultEndpointsProtocol=${scheme}`,
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=${scheme}://127.0.0.1:${ports.blobPort}/${DEV_ACCOUNT}`,
    `QueueEndpoint=${scheme}://127.0.0.1:${ports.queuePort}/${DEV_ACCOUNT}`,
    `TableEndpoint=${scheme}://127.0.0.1:${ports.tablePort}/${DEV_ACCOUNT}`,
  ].join(';') + ';';
}

export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const args = [
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--blobHost', '127.0.0.1', '--blobPort', String(options.blobPort),
    '--queueHost', '127.0.0.1', '--queuePort', String(options.queuePort),
    '--tableHost', '127.0.0.1', '--tablePort', String(options.tablePort),
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    ...(options.oauth ? ['--oauth', 'basic', '--cert', options.oauth.certPath, '--key', options.oauth.keyPath] : []),
  ];
  const scheme = options.oauth ? 'https' : 'http';
  // Readiness is "the port answers"; over HTTPS with the local CA that Node may not trust yet.
  const answers = (port: number) => (options.oauth
    ? httpsGetStatus(`https://127.0.0.1:${port}/`, options.oauth.caCertPath).then(() => true, () => false)
    : fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false));
  const azurite = startProcess({ name: 'Azurite', command: bin('azurite'), args, inheritOutput: options.inheritOutput ?? false, ...(options.logFile ? { logFile: options.logFile } : {}) });
  await waitUntilReady(azurite, async () => {
    const [blob, table] = await Promise.all([answers(options.blobPort), answers(options.tablePort)]);
    return blob && table;
  });
  return {
    process: azurite,
    connectionString: azuriteConnectionString(options, scheme),
    blobUrl: `${scheme}://127.0.0.1:${options.blobPort}/${DEV_ACCOUNT}`,
    tableUrl: `${scheme}://127.0.0.1:${options.tablePort}/${DEV_ACCOUNT}`,
  };
}

/** GET over HTTPS trusting only the given CA file (the launcher starts before NODE_EXTRA_CA_CERTS could apply). */
export function httpsGetStatus(url: string, caCertPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', ca: readFileSync(caCertPath) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}
