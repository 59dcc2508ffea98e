/**
 * npmStart (test/support/local-stack.ts) when `npm start` never gets ready: whatever the launcher
 * started must be stopped before the error is thrown, or Azurite, the local tenant, the bot and the
 * Playground keep the fixed ports of `npm start` (3978, 44300, 56150, 10000-10002) for whatever runs
 * next. A stand-in launcher plays the two ways it goes wrong — it dies (a service failed) or it is not
 * ready in time (and here ignores Ctrl-C) — after starting a service in a process group of its own,
 * as scripts/local-services.ts starts every service.
 */
import { describe, expect, it } from 'vitest';
import { npmStart } from './local-stack.js';
import { isStillRunning, type ProcessIdentity } from './processes.js';

/** A launcher that starts one detached service, says which (pid and start time), then `then`s. */
function launcher(then: 'exit' | 'hang'): { command: string; args: string[] } {
  const script = `
    const { spawn } = require('node:child_process');
    const service = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    const startedAt = require('node:fs').readFileSync('/proc/' + service.pid + '/stat', 'utf8').split(') ')[1].split(' ')[19];
    console.log('service ' + service.pid + ' ' + startedAt);
    ${then === 'exit'
    ? "setTimeout(() => { console.error('Azurite exited (1) before it was ready'); process.exit(1); }, 1500);"
    : "process.on('SIGINT', () => console.log('ignoring Ctrl-C')); setInterval(() => {}, 1000);"}`;
  return { command: process.execPath, args: ['-e', script] };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function serviceIn(message: string): ProcessIdentity {
  const [, pid, startedAt] = /service (\d+) (\d+)/.exec(message) ?? [];
  expect(pid, 'the launcher said which service it started').toBeDefined();
  return { pid: Number(pid), startedAt: startedAt!, command: 'service' };
}

describe('npm start that never gets ready leaves nothing running (test/support/local-stack.ts)', () => {
  it('when the launcher exits before it is ready, then the error says so and the service it started is stopped', async () => {
    const error = await failureOf(npmStart({ launcher: launcher('exit'), timeoutMs: 20_000, stopGraceMs: 2_000 }));
    expect(error.message).toMatch(/^npm start exited \(1\):/);
    expect(error.message).toContain('Azurite exited (1) before it was ready');
    expect(isStillRunning(serviceIn(error.message))).toBe(false);
  });

  it('when the launcher is not ready in time and ignores Ctrl-C, then it and its service are killed before the error is thrown', async () => {
    const error = await failureOf(npmStart({ launcher: launcher('hang'), timeoutMs: 3_000, stopGraceMs: 2_000 }));
    expect(error.message).toMatch(/^npm start was not ready in time:/);
    expect(error.message).toContain('ignoring Ctrl-C');
    expect(isStillRunning(serviceIn(error.message))).toBe(false);
  });
});
