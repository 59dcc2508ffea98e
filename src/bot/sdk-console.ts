/**
 * botframework-connector prints to the console when it refuses a token (console.error of
 * the whole error with its stack, or "Available keys:" followed by PEM): about ten lines per
 * forged request, outside our structured log. While `captureSdkConsole` runs, whatever the
 * SDK prints on that async path is kept instead — first lines only, without key material —
 * so the caller can put it into its one log line. Outside a capture the console is untouched.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const capture = new AsyncLocalStorage<string[]>();
const METHODS = ['error', 'warn', 'log', 'info', 'debug', 'trace'] as const;
const ours = new WeakSet<object>();

/** Wraps each console method once; again if something replaced it since (a test runner, another library). */
function install(): void {
  for (const method of METHODS) {
    const original = console[method];
    if (ours.has(original)) continue;
    const captured = function captured(this: Console, ...args: unknown[]) {
      const sink = capture.getStore();
      if (!sink) return original.apply(this, args);
      if (sink.length < 10) sink.push(summarise(args));
    };
    ours.add(captured);
    console[method] = captured;
  }
}

/** One short line for what was printed: the first line of each argument, PEM blocks and stacks left out. */
function summarise(args: readonly unknown[]): string {
  return args
    .map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : typeof arg === 'string' ? arg : String(arg)))
    .map((text) => (text.split('\n')[0] ?? '').replace(/-----BEGIN[\s\S]*$/, '[key material left out]').slice(0, 200))
    .join(' ');
}

/** Runs `work`, keeping what the SDK prints meanwhile (on this async path only) instead of printing it. */
export async function captureSdkConsole<T>(work: () => Promise<T>): Promise<{ readonly value: T; readonly printed: readonly string[] }> {
  install();
  const printed: string[] = [];
  const value = await capture.run(printed, work);
  return { value, printed };
}
