/**
 * Application Insights' ingestion endpoint as a bot's exporter reaches it: an HTTPS server on
 * loopback (the local CA, which bot processes trust through NODE_EXTRA_CA_CERTS) that keeps every
 * envelope posted to /v2.1/track and answers as the service does. Point a connection string's
 * IngestionEndpoint at `url`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';

export interface Envelope {
  name: string;
  iKey?: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

export interface TelemetryCapture {
  readonly url: string;
  readonly envelopes: Envelope[];
  /** Every body as it arrived (decompressed), for the leak scan. */
  readonly raw: string[];
  close(): Promise<void>;
}

export async function startTelemetryCapture(): Promise<TelemetryCapture> {
  const envelopes: Envelope[] = [];
  const raw: string[] = [];
  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
  };
  // The exporter sends over https only; the local CA is the one the bot trusts (NODE_EXTRA_CA_CERTS, vitest.config.ts).
  const tls = ensureLocalCertificates(fileURLToPath(new URL('../../.local/tls', import.meta.url)));
  const server: Server = createServer({ cert: readFileSync(tls.serverCertPath), key: readFileSync(tls.serverKeyPath) }, (request, response) => {
    void body(request).then((text) => {
      raw.push(`${request.method} ${request.url}\n${text}`);
      let accepted = 0;
      if (request.method === 'POST' && request.url?.startsWith('/v2.1/track')) {
        const items = text.trim().startsWith('[') ? (JSON.parse(text) as Envelope[]) : text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Envelope);
        envelopes.push(...items);
        accepted = items.length;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: accepted, itemsAccepted: accepted, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('capture server has no port');
  return {
    url: `https://127.0.0.1:${address.port}/`,
    envelopes,
    raw,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
