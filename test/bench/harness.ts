/**
 * A tiny timing harness for `npm run bench` (no tinybench): per-operation latencies from
 * process.hrtime.bigint(), throughput, event-loop utilisation and heap/RSS deltas.
 * It measures and prints; it never asserts a time.
 */
import { performance } from 'node:perf_hooks';

export interface LatencySummary {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface BenchResult {
  readonly name: string;
  /** Operations timed (warm-up excluded). */
  readonly iterations: number;
  readonly concurrency: number;
  readonly wallMs: number;
  readonly opsPerSecond: number;
  /** Per-operation latency in milliseconds. */
  readonly latencyMs: LatencySummary;
  /** heapUsed after minus before; after a forced GC on both sides when --expose-gc is on (retained memory). */
  readonly heapDeltaBytes: number;
  readonly rssDeltaBytes: number;
  /** True when the heap figures were taken after a forced GC. */
  readonly gcForced: boolean;
  /** Share of the wall time the event loop was busy (0–1), from performance.eventLoopUtilization(). */
  readonly eventLoopUtilization: number;
  /** Benchmark-specific figures (counts, rates). */
  readonly extra: Readonly<Record<string, number | string>>;
}

export interface BenchOptions {
  /** Untimed calls first (JIT, caches, connections). */
  readonly warmup?: number;
  /** Exactly this many timed calls; otherwise run until `timeMs` has passed (at least `minIterations`). */
  readonly iterations?: number;
  readonly timeMs?: number;
  readonly minIterations?: number;
  readonly maxIterations?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
/** Where results go so the optimiser cannot treat a call as dead code. */
let blackhole: unknown;
export const lastResult = (): unknown => blackhole;

function collect(): void {
  if (gc) {
    gc();
    gc();
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarise(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

interface Probe {
  readonly memory: NodeJS.MemoryUsage;
  readonly elu: ReturnType<typeof performance.eventLoopUtilization>;
  readonly started: bigint;
}

function startProbe(): Probe {
  collect();
  return { memory: process.memoryUsage(), elu: performance.eventLoopUtilization(), started: process.hrtime.bigint() };
}

function finish(
  name: string, probe: Probe, samples: Float64Array, concurrency: number, extra: Record<string, number | string>,
): BenchResult {
  const wallMs = Number(process.hrtime.bigint() - probe.started) / 1e6;
  const elu = performance.eventLoopUtilization(probe.elu).utilization;
  collect();
  const memory = process.memoryUsage();
  return {
    name,
    iterations: samples.length,
    concurrency,
    wallMs,
    opsPerSecond: samples.length / (wallMs / 1000),
    latencyMs: summarise(samples),
    heapDeltaBytes: memory.heapUsed - probe.memory.heapUsed,
    rssDeltaBytes: memory.rss - probe.memory.rss,
    gcForced: gc !== undefined,
    eventLoopUtilization: elu,
    extra,
  };
}

/** Times a synchronous function, one call per sample; `i` counts from 0 across warm-up and timed calls. */
export function benchSync(name: string, fn: (i: number) => unknown, options: BenchOptions = {}, extra: Record<string, number | string> = {}): BenchResult {
  const warmup = options.warmup ?? 200;
  const max = options.iterations ?? options.maxIterations ?? 200_000;
  const min = options.iterations ?? options.minIterations ?? 100;
  const budgetNs = BigInt(Math.round((options.timeMs ?? 1_000) * 1e6));
  let i = 0;
  for (; i < warmup; i += 1) fn(i);
  const samples = new Float64Array(max);
  let n = 0;
  const probe = startProbe();
  const deadline = probe.started + budgetNs;
  while (n < max) {
    const t0 = process.hrtime.bigint();
    blackhole = fn(i);
    const t1 = process.hrtime.bigint();
    samples[n] = Number(t1 - t0) / 1e6;
    n += 1;
    i += 1;
    if (options.iterations === undefined && n >= min && t1 >= deadline) break;
  }
  return finish(name, probe, samples.subarray(0, n), 1, extra);
}

/**
 * Times an async function: up to `iterations` calls spread over `concurrency` workers that
 * each take the next index, or fewer when `stopWhen` says so first (workers then stop
 * taking new calls and the ones in flight finish). ops/s is calls completed over wall time.
 */
export async function benchAsync(
  name: string,
  fn: (i: number) => Promise<unknown>,
  options: { readonly iterations: number; readonly concurrency?: number; readonly warmup?: number; readonly stopWhen?: () => boolean },
  extra: (result: { readonly completed: number; readonly wallMs: number }) => Record<string, number | string> = () => ({}),
): Promise<BenchResult> {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let next = 0;
  for (let w = 0; w < (options.warmup ?? 0); w += 1) await fn(next++);
  const samples = new Float64Array(options.iterations);
  let taken = 0;
  let completed = 0;
  const probe = startProbe();
  const worker = async (): Promise<void> => {
    while (taken < options.iterations && !(options.stopWhen?.() ?? false)) {
      taken += 1;
      const index = next++;
      const t0 = process.hrtime.bigint();
      await fn(index);
      samples[completed++] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - probe.started) / 1e6;
  return finish(name, probe, samples.subarray(0, completed), concurrency, extra({ completed, wallMs }));
}

// ------------------------------------------------------------------------------ printing

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '+';
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${sign}${abs} B`;
  if (abs < 1024 * 1024) return `${sign}${(abs / 1024).toFixed(0)} KiB`;
  return `${sign}${(abs / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 100_000) return `${(perSecond / 1000).toFixed(0)}k`;
  if (perSecond >= 100) return perSecond.toFixed(0);
  return perSecond.toFixed(1);
}

/** A compact fixed-width table: one row per result, extras folded into the last column. */
export function printTable(title: string, results: readonly BenchResult[]): void {
  const header = ['benchmark', 'n', 'conc', 'ops/s', 'p50', 'p95', 'p99', 'heap Δ', 'rss Δ', 'ELU', 'notes'];
  const rows = results.map((r) => [
    r.name,
    String(r.iterations),
    String(r.concurrency),
    formatRate(r.opsPerSecond),
    formatMs(r.latencyMs.p50),
    formatMs(r.latencyMs.p95),
    formatMs(r.latencyMs.p99),
    formatBytes(r.heapDeltaBytes),
    formatBytes(r.rssDeltaBytes),
    `${(r.eventLoopUtilization * 100).toFixed(0)}%`,
    Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`).join(' '),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  console.log(`\n## ${title}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}
