/**
 * `npm run bench`: runs the benchmarks, prints a table per benchmark and writes every figure
 * to build/bench/results.json. It measures and prints; it never asserts a time, and it is
 * not part of `npm test`. BENCHMARKS.md keeps the figures of a recorded run.
 *
 * The parts (see `parts` below): domain micro-benchmarks, then the product people use —
 * the real bot with Azurite, the local tenant and a recording Bot Connector, each figure a
 * ratio against a baseline measured in the same run (product.ts). `--with-workflow` adds
 * the workflow alone with in-memory storage and the throttling floor (end-to-end.ts).
 * `npm run bench:resume` (resume-scale.ts) is separate: it writes 100,000 requests.
 *
 * Each part runs in its own Node process started with the tsx loader this one runs under,
 * with --expose-gc (heap deltas after a forced GC) and NODE_EXTRA_CA_CERTS pointing at the
 * local CA (Node reads it at start-up only; the end-to-end part talks HTTPS to the local tenant).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = join(ROOT, 'build', 'bench');
// The local tenant's CA (the same folder vitest.config.ts and end-to-end.ts use).
const TLS_DIR = join(ROOT, '.local', 'tls');

function runPart(script: string, jsonPath: string, caCertPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(new URL(script, import.meta.url)), '--json', jsonPath], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${script} ended with ${signal ?? `exit code ${code}`}`))));
  });
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const started = Date.now();
const { caCertPath } = ensureLocalCertificates(TLS_DIR);
mkdirSync(OUT_DIR, { recursive: true });
const cpu = cpus();
console.log(`# npm run bench — Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}. Figures only: nothing here is asserted.`);

/** Each part is a script that prints its tables and writes `--json FILE`; its keys are merged into results.json. */
interface BenchPart {
  readonly name: string;
  readonly script: string;
  /** Run only when this flag is given. */
  readonly onlyWith?: string;
}
const parts: readonly BenchPart[] = [
  { name: 'domain', script: './domain.ts' },
  { name: 'product', script: './product.ts' },
  { name: 'bulk', script: './bulk.ts' },
  { name: 'end-to-end', script: './end-to-end.ts', onlyWith: '--with-workflow' },
].filter((part) => !part.onlyWith || process.argv.includes(part.onlyWith));
const results: Record<string, unknown> = {
  meta: {
    at: new Date(started).toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? null,
    totalMemoryBytes: totalmem(),
    units: { latency: 'ms', memory: 'bytes', eventLoopUtilization: '0-1 share of wall time' },
  },
};
const partSeconds: Record<string, number> = {};
try {
  for (const part of parts) {
    const json = join(OUT_DIR, `${part.name}.part.json`);
    const partStarted = Date.now();
    await runPart(part.script, json, caCertPath);
    Object.assign(results, JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>);
    rmSync(json, { force: true });
    partSeconds[part.name] = (Date.now() - partStarted) / 1000;
  }
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
Object.assign(results.meta as Record<string, unknown>, { partSeconds, totalSeconds: (Date.now() - started) / 1000 });
const file = join(OUT_DIR, 'results.json');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nFigures written to ${file} (${((Date.now() - started) / 1000).toFixed(1)} s in all).`);
