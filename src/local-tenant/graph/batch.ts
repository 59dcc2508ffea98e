import type { GraphRequest } from './graph-api.js';
import { GraphError, type ApiResponse } from '../responses.js';

const MAX_REQUESTS = 20;

interface BatchPart {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

/** The part a $batch sub-request becomes, plus its id for logging. */
export type BatchPartRequest = GraphRequest & { batchId: string };

/**
 * POST /$batch: validates the envelope (≤ 20 requests, unique ids, known acyclic dependsOn,
 * a Content-Type for each body), then runs the parts one by one in dependency order.
 * A part whose dependency failed gets 424 without running.
 */
export async function runBatch(body: unknown, executePart: (part: BatchPartRequest) => Promise<ApiResponse>): Promise<ApiResponse> {
  const parts = parseEnvelope(body);
  const results = new Map<string, ApiResponse>();
  const responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
  const remaining = [...parts];
  while (remaining.length > 0) {
    const index = remaining.findIndex((part) => part.dependsOn.every((dependency) => results.has(dependency)));
    const part = remaining.splice(index, 1)[0] as BatchPart;
    let result: ApiResponse;
    const failedDependency = part.dependsOn.find((dependency) => (results.get(dependency)?.status ?? 0) >= 400);
    if (failedDependency !== undefined) {
      result = {
        status: 424,
        headers: { 'content-type': 'application/json' },
        body: { error: { code: 'FailedDependency', message: `Request depends on request '${failedDependency}', which failed.` } },
      };
    } else {
      const [path, queryString = ''] = part.url.replace(/^\//, '').split(/\?(.*)/s, 2) as [string, string?];
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(part.headers)) headers[name.toLowerCase()] = value;
      result = await executePart({
        batchId: part.id,
        method: part.method.toUpperCase(),
        path: `/${path}`,
        query: new URLSearchParams(queryString),
        headers,
        body: part.body,
      });
    }
    results.set(part.id, result);
    responses.push({ id: part.id, status: result.status, headers: result.headers, ...(result.body !== undefined ? { body: result.body } : {}) });
  }
  return { status: 200, headers: { 'content-type': 'application/json;odata.metadata=minimal;charset=utf-8' }, body: { responses } };
}

function parseEnvelope(body: unknown): BatchPart[] {
  const invalid = (message: string): GraphError => new GraphError(400, 'BadRequest', message);
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { requests?: unknown }).requests)) {
    throw invalid("Invalid batch payload format. The body must be a JSON object with a 'requests' array.");
  }
  const requests = (body as { requests: unknown[] }).requests;
  if (requests.length > MAX_REQUESTS) throw invalid(`The number of batch requests exceeds the limit of ${MAX_REQUESTS}.`);
  const parts: BatchPart[] = [];
  const ids = new Set<string>();
  for (const item of requests) {
    if (typeof item !== 'object' || item === null) throw invalid('Invalid batch payload format. Each request must be a JSON object.');
    const request = item as Record<string, unknown>;
    const id = typeof request['id'] === 'number' ? String(request['id']) : request['id'];
    if (typeof id !== 'string' || id === '') throw invalid("Invalid batch payload format. Every request needs an 'id'.");
    if (ids.has(id)) throw invalid(`Batch request contains duplicate id '${id}'. Ids must be unique.`);
    ids.add(id);
    if (typeof request['method'] !== 'string' || !/^(GET|POST|PUT|PATCH|DELETE)$/i.test(request['method'])) {
      throw invalid(`Invalid batch payload format. Request '${id}' has no valid 'method'.`);
    }
    if (typeof request['url'] !== 'string' || request['url'] === '' || /^[a-z]+:\/\//i.test(request['url'])) {
      throw invalid(`Invalid batch payload format. Request '${id}' needs a relative 'url' such as '/users'.`);
    }
    const headers = request['headers'] ?? {};
    if (typeof headers !== 'object' || headers === null || Object.values(headers).some((value) => typeof value !== 'string')) {
      throw invalid(`Invalid batch payload format. Request '${id}' has invalid 'headers'.`);
    }
    const dependsOn = request['dependsOn'] ?? [];
    if (!Array.isArray(dependsOn) || dependsOn.some((dependency) => typeof dependency !== 'string')) {
      throw invalid(`Invalid batch payload format. Request '${id}' has an invalid 'dependsOn'.`);
    }
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (request['body'] !== undefined && !hasContentType) {
      throw invalid(`Write request id : ${id} does not contain Content-Type header or body.`);
    }
    parts.push({
      id,
      method: request['method'],
      url: request['url'],
      headers: headers as Record<string, string>,
      ...(request['body'] !== undefined ? { body: request['body'] } : {}),
      dependsOn: dependsOn as string[],
    });
  }
  for (const part of parts) {
    for (const dependency of part.dependsOn) {
      if (!ids.has(dependency)) throw invalid(`Request '${part.id}' depends on '${dependency}', which is not in the batch.`);
    }
  }
  // Reject cycles: repeatedly take parts whose dependencies are all taken.
  const taken = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const part of parts) {
      if (!taken.has(part.id) && part.dependsOn.every((dependency) => taken.has(dependency))) {
        taken.add(part.id);
        progress = true;
      }
    }
  }
  if (taken.size !== parts.length) throw invalid('Batch request dependencies form a cycle.');
  return parts;
}
