/**
 * Fixed-window request counters in Azure Blob Storage, shared by every instance: one small
 * blob per key and window, incremented with eTag compare-and-set so concurrent instances
 * never both take the last slot. Each instance remembers the count and eTag it last wrote, so a
 * warm counter costs one conditional write; a stale memory only costs the read it skipped (412).
 * Takes of one counter within an instance go one after another (each a single write on the
 * count the previous one wrote), so concurrent turns never race each other into refusals;
 * only another instance can make a write conflict, and then it reads again after a short pause.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { RateLimiter, RateLimitDecision } from '../onboarding/index.js';
import { statusCodeOf } from './reachability.js';
import { blobServiceOf, type StorageAccess } from './storage-account.js';

export type BlobRateLimiterOptions = StorageAccess & {
  readonly containerName: string;
  readonly now?: () => Date;
};

export function createBlobRateLimiter(options: BlobRateLimiterOptions): RateLimiter {
  const container: ContainerClient = blobServiceOf(options).getContainerClient(options.containerName);
  let ready: Promise<unknown> | undefined;
  const now = options.now ?? (() => new Date());
  /** What this instance last wrote per blob: counts only grow within a window, so it is never too high. */
  const lastWritten = new Map<string, { count: number; etag: string; endsAt: number }>();
  /** The last take queued per blob in this instance. */
  const queued = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const next = (queued.get(name) ?? Promise.resolve()).catch(() => undefined).then(work);
    const settled = next.catch(() => undefined);
    queued.set(name, settled);
    void settled.then(() => {
      if (queued.get(name) === settled) queued.delete(name);
    });
    return next;
  };

  return {
    async take(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
      ready ??= container.createIfNotExists().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      const at = now().getTime();
      const windowStart = Math.floor(at / windowMs) * windowMs;
      const retryAfterMs = windowStart + windowMs - at;
      const name = `ratelimits/${createHash('sha256').update(key).digest('hex')}/${windowStart}.json`;
      const blob = container.getBlockBlobClient(name);
      return oneAtATime(name, async (): Promise<RateLimitDecision> => {
        for (let attempt = 0; attempt < 20; attempt += 1) {
          let count = 0;
          let etag: string | undefined;
          const remembered = attempt === 0 ? lastWritten.get(name) : undefined;
          if (remembered) {
            ({ count, etag } = remembered);
          } else {
            try {
              // One response carries both the count and its eTag, so they always belong together.
              const current = await blob.download();
              etag = current.etag;
              count = (JSON.parse((await streamToBuffer(current.readableStreamBody)).toString('utf8')) as { count: number }).count;
            } catch (error) {
              if (statusCodeOf(error) !== 404) throw error;
            }
          }
          if (count >= limit) return { allowed: false, retryAfterMs };
          const body = JSON.stringify({ count: count + 1 });
          try {
            const written = await blob.upload(body, Buffer.byteLength(body), {
              conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
              blobHTTPHeaders: { blobContentType: 'application/json' },
            });
            forgetEndedWindows(lastWritten, at);
            if (written.etag) lastWritten.set(name, { count: count + 1, etag: written.etag, endsAt: windowStart + windowMs });
            return { allowed: true, remaining: limit - count - 1 };
          } catch (error) {
            const status = statusCodeOf(error);
            lastWritten.delete(name);
            if (status !== 412 && status !== 409 && !(remembered && status === 404)) throw error;
            // Another instance took a slot between our read and write: read again after a short, jittered pause.
            if (!remembered) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
          }
        }
        return { allowed: false, retryAfterMs: 1000 };
      });
    },
  };
}

/** Keeps the memory to windows still open: a blob of an ended window is never written again. */
function forgetEndedWindows(lastWritten: Map<string, { endsAt: number }>, at: number): void {
  for (const [name, entry] of lastWritten) if (entry.endsAt <= at) lastWritten.delete(name);
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.from('{"count":0}');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
