/**
 * One request/response exchange of the local tenant: reading a request (headers, path,
 * query, JSON body), answering it with Graph's headers, logging it in the request log, and
 * the failures it can end in (Graph's error shapes, an injected status, a dropped connection).
 */
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChosenFault } from './faults.js';
import type { RequestLog } from './request-log.js';
import { GraphError, graphErrorResponse, type ApiResponse, type RequestIds } from './responses.js';

export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export function errorResponse(error: unknown, ids: RequestIds): ApiResponse {
  if (error instanceof GraphError) return graphErrorResponse(error, ids);
  const fastifyError = error as { statusCode?: number; code?: string; message?: string; issues?: unknown };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return graphErrorResponse(new GraphError(413, 'RequestEntityTooLarge', `The request body is larger than the ${BODY_LIMIT_BYTES} bytes allowed.`), ids);
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return graphErrorResponse(new GraphError(415, 'UnsupportedMediaType', 'The request content type is not supported. Use application/json.'), ids);
  }
  if (Array.isArray(fastifyError.issues)) {
    return graphErrorResponse(new GraphError(400, 'BadRequest', `Invalid settings: ${JSON.stringify(fastifyError.issues)}`), ids);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return graphErrorResponse(new GraphError(fastifyError.statusCode, 'BadRequest', fastifyError.message ?? 'Bad request.'), ids);
  }
  console.error('local tenant: unexpected error', error);
  return graphErrorResponse(new GraphError(500, 'UnknownError', 'An unexpected error occurred in the local tenant.'), ids);
}

export function injectedStatus(fault: Extract<ChosenFault, { action: 'status' }>, ids: RequestIds): ApiResponse {
  const messages: Record<number, [string, string]> = {
    429: ['TooManyRequests', 'Too many requests (injected fault). Please try again later.'],
    500: ['UnknownError', 'An internal error occurred (injected fault).'],
    502: ['BadGateway', 'Bad gateway (injected fault).'],
    503: ['ServiceUnavailable', 'The service is temporarily unavailable (injected fault). Please try again later.'],
    504: ['GatewayTimeout', 'The gateway timed out (injected fault).'],
  };
  const [code, message] = messages[fault.status] ?? ['UnknownError', 'Injected fault.'];
  const headers: Record<string, string> = fault.status === 429 || fault.status === 503 ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  return graphErrorResponse(new GraphError(fault.status, code, message, undefined, headers), ids);
}

export function parseJsonBody(request: FastifyRequest): unknown {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  const contentType = header(request, 'content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    throw new GraphError(415, 'UnsupportedMediaType', `The content type '${contentType || '(none)'}' is not supported. Use application/json.`);
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

/** Answers and logs exchanges into `log`. */
export function createExchange(log: RequestLog) {
  async function send(reply: FastifyReply, response: ApiResponse, ids: RequestIds): Promise<FastifyReply> {
    reply.code(response.status);
    reply.header('request-id', ids.requestId);
    reply.header('client-request-id', ids.clientRequestId);
    reply.header('x-ms-ags-diagnostic', JSON.stringify({ ServerInfo: { DataCenter: 'Local', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'local-tenant' } }));
    reply.header('cache-control', 'no-cache');
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    if (response.body === undefined || response.status === 204) return reply.send();
    return reply.send(JSON.stringify(response.body));
  }

  function sendLogged(
    request: FastifyRequest,
    reply: FastifyReply,
    response: ApiResponse,
    started: number,
    ids: RequestIds,
    extra: { appId?: string | undefined; operation?: string | undefined; fault?: string; throttled?: boolean } = {},
  ): Promise<FastifyReply> {
    log.add({
      time: new Date().toISOString(), method: request.method, path: pathOf(request), query: queryOf(request).toString(),
      status: response.status, durationMs: round(performance.now() - started), requestId: ids.requestId,
      ...(header(request, 'client-request-id') ? { clientRequestId: header(request, 'client-request-id') } : {}),
      ...(extra.appId ? { appId: extra.appId } : {}),
      ...(extra.operation ? { operation: extra.operation } : {}),
      ...(extra.fault ? { fault: extra.fault } : {}),
      ...(extra.throttled ? { throttled: true } : {}),
    });
    return send(reply, response, ids);
  }

  function resetConnection(request: FastifyRequest, reply: FastifyReply, started: number, ids: RequestIds, fault: string, appId?: string, operation?: string): FastifyReply {
    log.add({
      time: new Date().toISOString(), method: request.method, path: pathOf(request), query: queryOf(request).toString(), status: 0,
      durationMs: round(performance.now() - started), requestId: ids.requestId, fault,
      ...(appId ? { appId } : {}), ...(operation ? { operation } : {}),
    });
    reply.hijack();
    // A TLS socket cannot send a TCP RST (resetAndDestroy needs a plain TCP handle);
    // closing it without an answer looks the same to the client: the request failed mid-way.
    request.raw.socket.destroy();
    return reply;
  }

  return { send, sendLogged, resetConnection };
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function lowerCaseHeaders(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}

export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

export function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '/';
  const index = url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : url.slice(index + 1));
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
