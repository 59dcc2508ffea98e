/**
 * Processes as /proc shows them, for tests that start real process trees (`npm start`) and
 * check what is left after stopping them. Linux only, read-only, no extra tools.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process by id and start time (clock ticks since boot), so a reused id is not taken for it. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startedAt: string;
  readonly command: string;
}

function stat(pid: number): { state: string; ppid: number; startedAt: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces and parentheses): state, ppid, …, starttime (22nd field).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), startedAt: fields[19]! };
  } catch {
    return undefined; // Gone meanwhile.
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** The process and all its descendants, from the parent ids in /proc/<pid>/stat. */
export function processTree(root: number): ProcessIdentity[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = stat(Number(entry));
    if (found) parents.set(Number(entry), found.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i += 1) for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree.flatMap((pid) => {
    const found = stat(pid);
    return found ? [{ pid, startedAt: found.startedAt, command: commandOf(pid) }] : [];
  });
}

/** True while that very process (same id, same start time) still runs; a zombie (ended, not yet reaped) does not. */
export function isStillRunning(process_: ProcessIdentity): boolean {
  const now = stat(process_.pid);
  return now !== undefined && now.startedAt === process_.startedAt && now.state !== 'Z';
}

/** A running process's environment as it started with it (/proc/<pid>/environ); empty when it is gone. */
export function environmentOf(pid: number): Record<string, string> {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return {};
  }
}
