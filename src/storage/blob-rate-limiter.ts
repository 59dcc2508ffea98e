/**
 * Fixed-window request counters in Azure Blob Storage, shared by every instance: one small
 * blob per key and window, incremented with eTag compare-and-set so concurrent instances
 * never both take the last slot.
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
      const blob = container.getBlockBlobClient(`ratelimits/${createHash('sha256').update(key).digest('hex')}/${windowStart}.json`);
      for (let attempt = 0; attempt < 20; attempt += 1) {
        let count = 0;
        let etag: string | undefined;
        try {
          // One response carries both the count and its eTag, so they always belong together.
          const current = await blob.download();
          etag = current.etag;
          count = (JSON.parse((await streamToBuffer(current.readableStreamBody)).toString('utf8')) as { count: number }).count;
        } catch (error) {
          if (statusCodeOf(error) !== 404) throw error;
        }
        if (count >= limit) return { allowed: false, retryAfterMs };
        const body = JSON.stringify({ count: count + 1 });
        try {
          await blob.upload(body, Buffer.byteLength(body), {
            conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
            blobHTTPHeaders: { blobContentType: 'application/json' },
          });
          return { allowed: true, remaining: limit - count - 1 };
        } catch (error) {
          const status = statusCodeOf(error);
          if (status !== 412 && status !== 409) throw error;
          // Another instance took a slot between our read and write: read again.
        }
      }
      return { allowed: false, retryAfterMs: 1000 };
    },
  };
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.from('{"count":0}');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
