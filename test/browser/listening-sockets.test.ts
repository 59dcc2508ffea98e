/**
 * `npm start` cannot be reached from other machines: every listening TCP socket of every
 * process it runs (the launcher, Azurite, the local tenant, the bot, the Agents Playground
 * and whatever they start) is on loopback. Read from /proc — the processes' socket inodes
 * matched against /proc/net/tcp and tcp6 — so no traffic goes anywhere.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStart, type LocalStack } from '../support/local-stack.js';
import { processTree } from '../support/processes.js';

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // Closed meanwhile.
      }
    }
  } catch {
    // Gone meanwhile.
  }
  return inodes;
}

/** Listening sockets (state 0A) by inode: their local address and port, decoded. */
function listeningSockets(): Map<string, { address: string; port: number }> {
  const sockets = new Map<string, { address: string; port: number }>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = fields[1]!.split(':');
      if (fields[3] !== '0A') continue;
      sockets.set(fields[9]!, { address: decodeAddress(hexAddress!), port: parseInt(hexPort!, 16) });
    }
  }
  return sockets;
}

/** /proc/net writes each 32-bit word of the address in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return groups.join(':').replace(/^(0:)+/, '::').replace(/^::(0:)*/, '::');
}

const isLoopback = (address: string) => /^127\./.test(address) || /^::ffff:127\./.test(address) || address === '::1' || address === '::0:0:0:0:0:0:1' || /^::(0:)*1$/.test(address);

describe('npm start on the network', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await npmStart();
  });
  afterAll(async () => {
    await stack?.interrupt();
  });

  it('when npm start is up, then every socket its processes listen on is a loopback address, the Playground\'s included', () => {
    const pids = processTree(stack.launcher.child.pid!).map((process_) => process_.pid);
    const listening = listeningSockets();
    const ours = [...new Set(pids.flatMap((pid) => [...socketInodes(pid)]))].flatMap((inode) => (listening.has(inode) ? [listening.get(inode)!] : []));
    // The services we know of are among them (so the right processes were read)…
    expect(ours.map((socket) => socket.port)).toEqual(expect.arrayContaining([3978, 44300, 56150, 10000, 10002]));
    // …and nothing listens beyond loopback.
    expect(ours.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
  });
});
