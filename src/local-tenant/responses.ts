import { randomUUID } from 'node:crypto';

/** A Graph (or token service) response before it is written to the wire. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Request identity that every Graph error body and response header carries. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function newRequestIds(clientRequestId: string | undefined): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: clientRequestId && clientRequestId.length <= 100 ? clientRequestId : requestId };
}

export interface GraphErrorDetail {
  code: string;
  message?: string;
  target?: string;
}

/** Thrown by handlers for an expected Graph error; turned into Graph's error body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: GraphErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function graphErrorResponse(error: GraphError, ids: RequestIds, now = new Date()): ApiResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', ...error.headers },
    body: {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
        innerError: {
          date: now.toISOString().slice(0, 19),
          'request-id': ids.requestId,
          'client-request-id': ids.clientRequestId,
        },
      },
    },
  };
}

export const notFound = (key: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);

export const badRequest = (message: string, details?: GraphErrorDetail[]): GraphError =>
  new GraphError(400, 'Request_BadRequest', message, details);

export const invalidValue = (property: string): GraphError =>
  badRequest(`Invalid value specified for property '${property}' of resource 'User'.`);

export const insufficientPrivileges = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const unsupportedQuery = (message = 'Unsupported Query.'): GraphError =>
  new GraphError(400, 'Request_UnsupportedQuery', message);

export const methodNotAllowed = (): GraphError =>
  new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

export const conflict = (property: string): GraphError =>
  badRequest(`Another object with the same value for property ${property} already exists.`, [{ code: 'ObjectConflict', target: property }]);

/** Entra ID's OAuth error body (what msal-node parses into an AuthError). */
export function entraError(
  status: number,
  error: string,
  code: number,
  description: string,
  correlationId: string,
  now = new Date(),
): ApiResponse {
  const traceId = randomUUID();
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': traceId, 'client-request-id': correlationId },
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

const GRAPH_JSON_CONTENT = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A Graph JSON answer (OData minimal metadata). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': GRAPH_JSON_CONTENT, ...headers }, body };
}

export function noContent(): ApiResponse {
  return { status: 204, headers: {} };
}
