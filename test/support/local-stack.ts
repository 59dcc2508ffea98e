/**
 * Runs `npm start` exactly as a person does and waits for its last line ("Press Ctrl-C …");
 * stopping it
 * sends SIGINT (Ctrl-C) to the launcher's process group, as a terminal does. Used by the
 * browser tests and by the newcomer check (test/newcomer), which starts it with a PATH of
 * its own. When it never gets ready (it exits, or the time is up), everything it started is
 * stopped before the error is thrown: Ctrl-C, then SIGKILL to its group and to every process it
 * was seen to start — the services run in process groups of their own (scripts/local-services.ts)
 * and would otherwise keep the fixed ports of `npm start` for whatever runs next.
 */
import { startProcess, type ManagedProcess } from '../../scripts/local-services.js';
import { isStillRunning, processTree, type ProcessIdentity } from './processes.js';

export interface LocalStack {
  readonly launcher: ManagedProcess;
  readonly playgroundUrl: string;
  /** Ctrl-C: resolves with the launcher's exit code. */
  interrupt(): Promise<number | string>;
}

export interface NpmStartOptions {
  /** Added to (or replacing in) this process's environment, e.g. a PATH without a browser opener. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** After Ctrl-C, how long the launcher may take to stop its services before everything is killed. */
  stopGraceMs?: number;
  /** What plays `npm start --silent` (only this helper's own test gives another). */
  launcher?: { command: string; args: readonly string[] };
}

export async function npmStart({
  env, timeoutMs = 150_000, stopGraceMs = 60_000, launcher: command = { command: 'npm', args: ['start', '--silent'] },
}: NpmStartOptions = {}): Promise<LocalStack> {
  const launcher = startProcess({
    name: 'npm start', ...command,
    ...(env ? { env } : {}),
  });
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void launcher.exited.then((code) => {
    exitedWith = code;
  });
  // Everything the launcher was seen to start, so it can be stopped even after the launcher is gone.
  const seen = new Map<number, ProcessIdentity>();
  const failed = async (reason: string): Promise<never> => {
    await stopEverything(launcher, [...seen.values()], stopGraceMs);
    throw new Error(`${reason}:\n${launcher.output()}`);
  };
  // Its last line: every service is up and everything it says about them is said.
  while (!launcher.output().includes('Press Ctrl-C to stop everything.')) {
    for (const process_ of processTree(launcher.child.pid!)) if (process_.pid !== launcher.child.pid) seen.set(process_.pid, process_);
    if (exitedWith !== undefined) return failed(`npm start exited (${exitedWith})`);
    if (Date.now() > deadline) return failed('npm start was not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const playgroundUrl = /Agents Playground\s+(http:\/\/localhost:\d+)/.exec(launcher.output())![1]!;
  return {
    launcher,
    playgroundUrl,
    async interrupt() {
      try {
        process.kill(-launcher.child.pid!, 'SIGINT');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-launcher.child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 60_000);
      const code = await launcher.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Ctrl-C to the launcher's group and a wait for it; then SIGKILL to the group and to each process it started that still runs. */
async function stopEverything(launcher: ManagedProcess, started: readonly ProcessIdentity[], graceMs: number): Promise<void> {
  const pid = launcher.child.pid!;
  const signal = (target: number, name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
    } catch {
      // Already gone.
    }
  };
  signal(-pid, 'SIGINT');
  await Promise.race([launcher.exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  signal(-pid, 'SIGKILL');
  await launcher.exited;
  for (const process_ of started) if (isStillRunning(process_)) signal(process_.pid, 'SIGKILL');
  // SIGKILL is not instant: wait until none of them runs (an orphan is reaped by init).
  for (let waited = 0; started.some(isStillRunning) && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}
