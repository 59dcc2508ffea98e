/**
 * Runs `npm start` exactly as a person does and waits for its last line ("Press Ctrl-C …");
 * stopping it
 * sends SIGINT (Ctrl-C) to the launcher's process group, as a terminal does. Used by the
 * browser tests and by the newcomer check (test/newcomer), which starts it with a PATH of
 * its own.
 */
import { startProcess, type ManagedProcess } from '../../scripts/local-services.js';

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
}

export async function npmStart({ env, timeoutMs = 150_000 }: NpmStartOptions = {}): Promise<LocalStack> {
  const launcher = startProcess({
    name: 'npm start', command: 'npm', args: ['start', '--silent'],
    ...(env ? { env } : {}),
  });
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void launcher.exited.then((code) => {
    exitedWith = code;
  });
  // Its last line: every service is up and everything it says about them is said.
  while (!launcher.output().includes('Press Ctrl-C to stop everything.')) {
    if (exitedWith !== undefined) throw new Error(`npm start exited (${exitedWith}):\n${launcher.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready in time:\n${launcher.output()}`);
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
