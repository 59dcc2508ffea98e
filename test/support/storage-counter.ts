/**
 * Counts what the bot asks of storage, at the HTTP level: a pass-through proxy in front of
 * Azurite's blob and table endpoints. The bot gets the proxy's connection string; every
 * request (a Table $batch is one request) is recorded as method + path, then forwarded as is.
 */
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StorageRequest {
  readonly service: 'blob' | 'table';
  readonly method: string;
  /** Path and query as sent (no SAS or key: Azurite requests are signed in a header, never logged here). */
  readonly path: string;
  /** Bytes of the request body, as its Content-Length says (0 without one). */
  readonly bytes: number;
}

export interface StorageCounter {
  /** Azurite's connection string with the blob and table endpoints pointing at the proxy. */
  readonly connectionString: string;
  readonly requests: StorageRequest[];
  /**
   * The next `times` requests matching are refused with 403 AuthorizationFailure, as Azure
   * Storage answers a caller whose access was taken away ("Blob service error codes",
   * https://learn.microsoft.com/en-us/rest/api/storageservices/blob-service-error-codes); the SDK
   * does not retry a 403, so the caller meets the failure at once. Not forwarded, not counted.
   */
  refuse(rule: { readonly service: 'blob' | 'table'; readonly method?: string; readonly path: RegExp; readonly times?: number }): void;
  /** Requests matching are held (neither answered nor forwarded) until `release()`, as a storage account that is slow to answer. */
  hold(rule: { readonly service: 'blob' | 'table'; readonly method?: string; readonly path: RegExp }): void;
  /** Stops holding and forwards every held request, in order. */
  release(): void;
  /** How many requests wait in a hold now. */
  held(): number;
  close(): Promise<void>;
}

interface Refusal { readonly service: 'blob' | 'table'; readonly method?: string | undefined; readonly path: RegExp; left: number }

export async function startStorageCounter(azuriteConnectionString: string): Promise<StorageCounter> {
  const requests: StorageRequest[] = [];
  const refusals: Refusal[] = [];
  const holds: Array<Omit<Refusal, 'left'>> = [];
  const waiting: Array<() => void> = [];
  const servers: Server[] = [];
  const refusalFor = (service: 'blob' | 'table', method: string, path: string) => {
    const index = refusals.findIndex((r) => r.service === service && (!r.method || r.method === method) && r.path.test(path));
    if (index < 0) return false;
    const refusal = refusals[index]!;
    refusal.left -= 1;
    if (refusal.left <= 0) refusals.splice(index, 1);
    return true;
  };
  let connectionString = azuriteConnectionString;
  for (const service of ['blob', 'table'] as const) {
    const key = service === 'blob' ? 'BlobEndpoint' : 'TableEndpoint';
    const endpoint = new RegExp(`${key}=(http://[^;/]+)(/[^;]*)?`).exec(azuriteConnectionString);
    if (!endpoint?.[1]) throw new Error(`No ${key} in the Azurite connection string`);
    const target = new URL(endpoint[1]);
    const server = createServer((incoming, answer) => {
      if (refusalFor(service, incoming.method ?? 'GET', incoming.url ?? '')) {
        incoming.resume();
        const body = '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>';
        answer.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthorizationFailure', 'content-length': Buffer.byteLength(body) });
        answer.end(body);
        return;
      }
      const pass = () => {
        requests.push({ service, method: incoming.method ?? 'GET', path: incoming.url ?? '', bytes: Number(incoming.headers['content-length'] ?? 0) || 0 });
        const outgoing = forward({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
          answer.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(answer);
        });
        outgoing.on('error', () => answer.destroy());
        incoming.pipe(outgoing);
      };
      const held = holds.some((h) => h.service === service && (!h.method || h.method === incoming.method) && h.path.test(incoming.url ?? ''));
      if (held) waiting.push(pass);
      else pass();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    // The signature covers the path, not the host: the proxy forwards the request untouched.
    connectionString = connectionString.replace(endpoint[1], `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return {
    connectionString,
    requests,
    refuse: (rule) => void refusals.push({ service: rule.service, method: rule.method, path: rule.path, left: rule.times ?? Number.POSITIVE_INFINITY }),
    hold: (rule) => void holds.push({ service: rule.service, method: rule.method, path: rule.path }),
    release: () => {
      holds.length = 0;
      for (const pass of waiting.splice(0)) pass();
    },
    held: () => waiting.length,
    close: async () => {
      holds.length = 0;
      for (const pass of waiting.splice(0)) pass();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
