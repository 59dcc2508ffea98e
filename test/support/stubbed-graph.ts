/**
 * The network under the real Graph client, replaced for a test file: every request is recorded
 * in `net.seen`, and answered by the next of `net.answers` (none left: the connection drops).
 */
import { afterEach, beforeEach, vi } from 'vitest';

export interface Seen { method: string; url: string; headers: Headers; body: string | undefined }

export function stubGraphNetwork(): { seen: Seen[]; answers: Array<() => Response> } {
  const net = { seen: [] as Seen[], answers: [] as Array<() => Response> };
  beforeEach(() => {
    net.seen = [];
    net.answers = [];
    vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      net.seen.push({ method: init?.method ?? 'GET', url, headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : undefined });
      const next = net.answers.shift();
      if (!next) throw new TypeError('fetch failed');
      return next();
    });
  });
  afterEach(() => vi.unstubAllGlobals());
  return net;
}

/** Graph's error body, with its request-id, as the client parses it. */
export function graphErrorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}, details?: unknown): Response {
  return new Response(JSON.stringify({ error: { code, message, innerError: { 'request-id': `rid-${status}`, date: '2025-03-03T09:00:00' }, ...(details ? { details } : {}) } }), {
    status, headers: { 'content-type': 'application/json', ...headers },
  });
}

export const ok = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
