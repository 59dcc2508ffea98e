/**
 * An HTTPS front for the recording connector: tenant mode sends activities to https serviceUrls
 * only, as the real Bot Connector has. It forwards every call with its Authorization header.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { DEFAULT_TLS_DIR } from '../../src/local-tenant/server.js';

export async function startTlsFront(target: string): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const tls = ensureLocalCertificates(DEFAULT_TLS_DIR);
  const server = createServer({ key: readFileSync(tls.serverKeyPath), cert: readFileSync(tls.serverCertPath) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = { 'content-type': request.headers['content-type'] ?? 'application/json' };
      if (request.headers.authorization) headers['authorization'] = request.headers.authorization;
      const body = ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : Buffer.concat(chunks);
      fetch(`${target}${request.url ?? '/'}`, { method: request.method ?? 'GET', headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
