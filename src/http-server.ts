/**
 * The bot's HTTP host: POST /api/messages (Bot Framework activities), GET /livez (this process
 * is up and serving: App Service's health check path), GET /readyz and /healthz (readiness of
 * every dependency; /healthz is what npm start and people have always polled). It knows nothing
 * of Teams or Graph: it is handed a message handler and readiness probes by the composition root.
 *
 * App Service replaces an instance whose health check path keeps failing
 * (https://learn.microsoft.com/azure/app-service/monitor-instances-health-check); a Graph or
 * Storage outage fails every instance alike and a new one would fail the same way, so that path
 * must not depend on them. Neither path tells an unauthenticated caller why a dependency failed
 * (socket errors, host names, SDK messages): the reason is logged, once per change.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { logContext, type Logger } from './logging.js';

/** Minimal request/response pair the Bot Framework adapter expects (express-like). */
export interface BotHttpRequest {
  body: Record<string, unknown> | undefined;
  headers: Record<string, string | string[] | undefined>;
  method: string;
}
export interface BotHttpResponse {
  status(code: number): void;
  header(name: string, value: unknown): void;
  send(body?: unknown): void;
  end(): void;
  socket: unknown;
}
export type MessageHandler = (req: BotHttpRequest, res: BotHttpResponse) => Promise<void>;

/** A dependency the bot needs; `check` resolves when it is reachable and rejects with a reason otherwise. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  version: string;
  mode: string;
  logger: Logger;
  handleMessage: MessageHandler;
  probes: readonly ReadinessProbe[];
  /** Upper bound on one activity's JSON body. Teams messages stay well under 100 KB. */
  bodyLimitBytes?: number;
  /**
   * Checks a message's Authorization header before its body is read (tenant mode); a
   * request it refuses gets 401 and is never parsed.
   */
  authenticateMessage?: ((authorization: string | undefined) => Promise<boolean>) | undefined;
  /**
   * Local mode: answer only requests addressed to this server on loopback (Host
   * 127.0.0.1, localhost or [::1] with its port), so a page on another site that
   * rebinds its name to 127.0.0.1 gets 421 and causes nothing.
   */
  loopbackHostsOnly?: boolean;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly fastify: FastifyInstance;
  /** Stops accepting requests, waits for in-flight turns (up to graceMs), then closes. */
  close(graceMs: number): Promise<{ drained: boolean }>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const fastify = Fastify({ logger: false, bodyLimit: options.bodyLimitBytes ?? 256 * 1024, forceCloseConnections: false });
  let inFlight = 0;
  let closing = false;
  let drainedResolve: (() => void) | undefined;

  // Filled once the port is known (port 0 in tests); no request arrives before.
  const loopbackHosts = new Set<string>();
  if (options.loopbackHostsOnly) {
    fastify.addHook('onRequest', async (request, reply) => {
      const host = (request.headers.host ?? '').toLowerCase();
      if (loopbackHosts.has(host)) return;
      options.logger.warn({ host: host.slice(0, 100), path: request.url.slice(0, 100) }, 'refused a request for another host name (local mode answers loopback names only)');
      return reply.code(421).header('connection', 'close').send({ error: 'misdirected request' });
    });
  }
  const authenticateMessage = options.authenticateMessage;
  const messageHooks = authenticateMessage
    ? {
        // Before the body is read: an unauthenticated request is never parsed.
        onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
          const authorization = request.headers.authorization;
          if (await authenticateMessage(authorization)) return;
          return reply.code(401).header('connection', 'close').send({ error: 'unauthorized' });
        },
      }
    : {};

  fastify.post('/api/messages', messageHooks, async (request, reply) => {
    if (closing) return reply.code(503).header('Retry-After', '5').send({ error: 'shutting down' });
    const turnId = randomUUID();
    inFlight += 1;
    let status = 200;
    let body: unknown;
    const headers: Record<string, string> = {};
    try {
      await logContext.run({ turnId }, () => options.handleMessage(
        { body: isRecord(request.body) ? request.body : undefined, headers: request.headers, method: request.method },
        {
          status: (code) => { status = code; },
          header: (name, value) => { headers[name] = String(value); },
          send: (payload) => { body = payload; },
          end: () => undefined,
          socket: request.raw.socket,
        },
      ));
    } catch (error) {
      // The adapter normally turns failures into a status itself; this is the last net.
      options.logger.error({ err: error, turnId }, 'unhandled error while processing an activity');
      status = 500;
      body = undefined;
    } finally {
      inFlight -= 1;
      if (closing && inFlight === 0) drainedResolve?.();
    }
    reply.code(status).headers(headers);
    return body === undefined ? reply.send() : reply.send(body);
  });

  fastify.get('/livez', async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'shutting-down', version: options.version, mode: options.mode });
    return reply.code(200).send({ status: 'alive', version: options.version, mode: options.mode });
  });

  const lastReason = new Map<string, string | undefined>();
  /** Logs a dependency's reason when it changes (not at every probe), and its recovery. */
  const report = (name: string, reason: string | undefined) => {
    const previous = lastReason.get(name);
    if (reason === previous) return;
    lastReason.set(name, reason);
    if (reason !== undefined) options.logger.warn({ dependency: name, reason }, 'dependency not ready');
    else if (previous !== undefined) options.logger.info({ dependency: name }, 'dependency ready again');
  };
  const readiness = async (_request: FastifyRequest, reply: FastifyReply) => {
    const results = await Promise.all(
      options.probes.map(async (probe) => {
        try {
          await withTimeout(probe.check(), 3000);
          report(probe.name, undefined);
          return [probe.name, { ready: true }] as const;
        } catch (error) {
          report(probe.name, error instanceof Error ? error.message : String(error));
          return [probe.name, { ready: false }] as const;
        }
      }),
    );
    const dependencies = Object.fromEntries(results);
    const ready = !closing && results.every(([, r]) => r.ready);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : closing ? 'shutting-down' : 'not-ready', version: options.version, mode: options.mode, dependencies });
  };
  fastify.get('/readyz', readiness);
  fastify.get('/healthz', readiness);

  fastify.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));
  fastify.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.logger.error({ err: error }, 'HTTP error');
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
  });

  const address = await fastify.listen({ host: options.host, port: options.port });
  const bound = fastify.server.address();
  if (bound && typeof bound === 'object') {
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) loopbackHosts.add(`${name}:${bound.port}`);
  }
  return {
    url: address,
    fastify,
    async close(graceMs) {
      closing = true;
      const drained = inFlight === 0 ? true : await Promise.race([
        new Promise<boolean>((resolve) => { drainedResolve = () => resolve(true); }),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
      ]);
      await fastify.close();
      return { drained };
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error instanceof Error ? error : new Error(String(error))); },
    );
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
