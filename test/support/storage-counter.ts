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
}

export interface StorageCounter {
  /** Azurite's connection string with the blob and table endpoints pointing at the proxy. */
  readonly connectionString: string;
  readonly requests: StorageRequest[];
  close(): Promise<void>;
}

export async function startStorageCounter(azuriteConnectionString: string): Promise<StorageCounter> {
  const requests: StorageRequest[] = [];
  const servers: Server[] = [];
  let connectionString = azuriteConnectionString;
  for (const service of ['blob', 'table'] as const) {
    const key = service === 'blob' ? 'BlobEndpoint' : 'TableEndpoint';
    const endpoint = new RegExp(`${key}=(http://[^;/]+)(/[^;]*)?`).exec(azuriteConnectionString);
    if (!endpoint?.[1]) throw new Error(`No ${key} in the Azurite connection string`);
    const target = new URL(endpoint[1]);
    const server = createServer((incoming, answer) => {
      requests.push({ service, method: incoming.method ?? 'GET', path: incoming.url ?? '' });
      const outgoing = forward({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      });
      outgoing.on('error', () => answer.destroy());
      incoming.pipe(outgoing);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    // The signature covers the path, not the host: the proxy forwards the request untouched.
    connectionString = connectionString.replace(endpoint[1], `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return {
    connectionString,
    requests,
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
