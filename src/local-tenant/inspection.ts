import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { externalCollaborationSchema, type DirectoryState, type DirectoryUser, type SubscribedSku } from './directory.js';
import type { FaultInjector, FaultSettingsInput } from './faults.js';
import { setPassword } from './graph/graph-api.js';
import { mergeTemporaryAccessPassPolicy, temporaryAccessPassPolicyView } from './graph/graph-authentication-methods.js';
import { licenseProcessingStateOf } from './graph/group-licensing.js';
import { redeemInvitation } from './graph/graph-guests.js';
import { membersOf } from './graph/groups.js';
import { freeUnits, licensingSettingsSchema, subscribedSkuView, updateSubscribedSku } from './graph/licensing.js';
import type { RequestLog } from './request-log.js';
import { entraError, GraphError, graphErrorResponse, newRequestIds, notFound, type ApiResponse, type RequestIds } from './responses.js';
import type { Throttler, ThrottlingSettings } from './graph/throttling.js';
import { secretMatches } from './entra/secrets.js';
import { passwordContext, passwordProblem } from './graph/user-rules.js';

/** What the inspection API reads and changes in the running tenant. */
export interface InspectionDeps {
  state(): DirectoryState;
  save(): void;
  /** The tenant's URLs and paths for GET /_tenant. */
  index(): Record<string, unknown>;
  apps(): unknown[];
  log: RequestLog;
  faults: FaultInjector;
  throttler: Throttler;
  reset(): void;
  /** Lets background work that is due (group-based licensing) finish, so what is shown is current. */
  settle(): void;
  parseJsonBody(request: FastifyRequest): unknown;
  send(reply: FastifyReply, response: ApiResponse, ids: RequestIds): Promise<FastifyReply>;
}

/** /_tenant: inspection and local conveniences, loopback clients only, no auth. */
export function inspectionRoutes(deps: InspectionDeps): FastifyPluginAsync {
  return async (inspection) => {
    inspection.addHook('onRequest', async (request, reply) => {
      const address = request.socket.remoteAddress ?? '';
      if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(address)) {
        const ids = newRequestIds(undefined);
        await deps.send(reply, graphErrorResponse(new GraphError(403, 'Forbidden', 'The inspection API answers loopback clients only.'), ids), ids);
      }
    });
    const ok = (reply: FastifyReply, body: unknown): Promise<FastifyReply> => {
      const id = randomUUID();
      return deps.send(reply, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body }, { requestId: id, clientRequestId: id });
    };
    inspection.get('/', async (_request, reply) => ok(reply, {
      ...deps.index(),
      endpoints: ['GET /_tenant/users', 'GET /_tenant/groups', 'POST /_tenant/users/{id}/changePassword', 'GET|PATCH /_tenant/temporaryAccessPassPolicy', 'GET /_tenant/invitations', 'POST /_tenant/invitations/redeem', 'GET|PUT /_tenant/externalCollaboration', 'GET|PUT /_tenant/licensing', 'GET /_tenant/subscribedSkus', 'PATCH /_tenant/subscribedSkus/{skuId | skuPartNumber}', 'GET /_tenant/apps', 'GET|DELETE /_tenant/requests', 'GET|DELETE /_tenant/outbox', 'GET /_tenant/outbox/{id}', 'GET|PUT /_tenant/faults', 'GET|PUT /_tenant/throttling', 'POST /_tenant/reset'],
    }));
    inspection.get('/users', async (_request, reply) => {
      deps.settle();
      return ok(reply, { value: deps.state().users.map(inspectionUserView) });
    });
    // Groups with their kind and members as they are now (a dynamic group's from its rule).
    inspection.get('/groups', async (_request, reply) => {
      deps.settle();
      return ok(reply, {
        value: deps.state().groups.map((group) => ({
          ...structuredClone(group), members: membersOf(group, deps.state()), licenseProcessingState: licenseProcessingStateOf(group, deps.state()),
        })),
      });
    });
    // Group-based licensing's processing delay: {"groupProcessingSeconds": 0} applies group licences at the next request.
    // Invitations (never their redeem links) and Entra's interactive redemption, played: by the link or by the user.
    inspection.get('/invitations', async (_request, reply) => ok(reply, {
      value: deps.state().invitations.map(({ ticket: _ticket, ...invitation }) => invitation),
    }));
    inspection.post('/invitations/redeem', async (request, reply) => {
      const body = (deps.parseJsonBody(request) ?? {}) as Record<string, unknown>;
      const outcome = redeemInvitation(deps.state(), body, new Date());
      const id = randomUUID();
      if (!outcome.ok) {
        const code = outcome.status === 404 ? 'NotFound' : outcome.status === 403 ? 'Forbidden' : 'BadRequest';
        return deps.send(reply, graphErrorResponse(new GraphError(outcome.status, code, outcome.message), { requestId: id, clientRequestId: id }), { requestId: id, clientRequestId: id });
      }
      deps.save();
      const { user } = outcome;
      return ok(reply, { id: user.id, userPrincipalName: user.userPrincipalName, externalUserState: user.externalUserState, externalUserStateChangeDateTime: user.externalUserStateChangeDateTime });
    });
    // Who may invite and whom (a switch for each of Graph's refusals); PUT replaces them all, {} = Entra's defaults.
    inspection.get('/externalCollaboration', async (_request, reply) => ok(reply, deps.state().externalCollaboration));
    inspection.put('/externalCollaboration', async (request, reply) => {
      deps.state().externalCollaboration = externalCollaborationSchema.parse(deps.parseJsonBody(request) ?? {});
      deps.save();
      return ok(reply, deps.state().externalCollaboration);
    });
    inspection.get('/licensing', async (_request, reply) => ok(reply, { ...deps.state().licensing, queued: deps.state().licensingQueue.length }));
    inspection.put('/licensing', async (request, reply) => {
      deps.state().licensing = licensingSettingsSchema.parse(deps.parseJsonBody(request) ?? {});
      deps.save();
      return ok(reply, deps.state().licensing);
    });
    // The "update your password" step of Entra's interactive first sign-in (local convenience).
    inspection.post('/users/:id/changePassword', async (request, reply) => {
      const id = randomUUID();
      const response = changePasswordAtSignIn(deps.state(), (request.params as { id: string }).id, deps.parseJsonBody(request), id, new Date());
      if (response.status === 204) deps.save();
      return deps.send(reply, response, { requestId: id, clientRequestId: id });
    });
    // The subscriptions with their seats as Graph counts them; PATCH one (by skuId or skuPartNumber) to run
    // out of seats or "buy" more: {"prepaidUnits": {"enabled": 260}}.
    inspection.get('/subscribedSkus', async (_request, reply) => {
      deps.settle();
      return ok(reply, { value: deps.state().subscribedSkus.map((sku) => inspectionSkuView(sku, deps.state())) });
    });
    inspection.patch('/subscribedSkus/:key', async (request, reply) => {
      const key = (request.params as { key: string }).key;
      const sku = updateSubscribedSku(deps.state(), key, deps.parseJsonBody(request));
      const id = randomUUID();
      if (!sku) return deps.send(reply, graphErrorResponse(notFound(key), { requestId: id, clientRequestId: id }), { requestId: id, clientRequestId: id });
      deps.save();
      return ok(reply, inspectionSkuView(sku, deps.state()));
    });
    inspection.get('/temporaryAccessPassPolicy', async (_request, reply) => ok(reply, temporaryAccessPassPolicyView(deps.state().temporaryAccessPassPolicy)));
    inspection.patch('/temporaryAccessPassPolicy', async (request, reply) => {
      deps.state().temporaryAccessPassPolicy = mergeTemporaryAccessPassPolicy(deps.state().temporaryAccessPassPolicy, deps.parseJsonBody(request));
      deps.save();
      return ok(reply, temporaryAccessPassPolicyView(deps.state().temporaryAccessPassPolicy));
    });
    inspection.get('/apps', async (_request, reply) => ok(reply, { value: deps.apps() }));
    inspection.get('/requests', async (request, reply) => {
      const since = Number((request.query as Record<string, string>)['since'] ?? 0);
      return ok(reply, { value: deps.log.list(Number.isFinite(since) ? since : 0) });
    });
    inspection.delete('/requests', async (_request, reply) => {
      deps.log.clear();
      return reply.code(204).send();
    });
    // What the bot sent with sendMail (welcome emails), oldest first; one mail's HTML body to read in a browser.
    inspection.get('/outbox', async (_request, reply) => ok(reply, { value: deps.state().outbox }));
    inspection.delete('/outbox', async (_request, reply) => {
      deps.state().outbox = [];
      deps.save();
      return reply.code(204).send();
    });
    inspection.get('/outbox/:id', async (request, reply) => {
      const mail = deps.state().outbox.find((candidate) => candidate.id === (request.params as { id: string }).id);
      const id = randomUUID();
      if (!mail) return deps.send(reply, graphErrorResponse(notFound((request.params as { id: string }).id), { requestId: id, clientRequestId: id }), { requestId: id, clientRequestId: id });
      // The mail as its recipient would see it; its scripts (there should be none) do not run here.
      return reply.code(200)
        .header('content-type', mail.body.contentType === 'HTML' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(mail.body.content);
    });
    inspection.get('/faults', async (_request, reply) => ok(reply, deps.faults.get()));
    inspection.put('/faults', async (request, reply) => ok(reply, deps.faults.set(deps.parseJsonBody(request) as FaultSettingsInput)));
    inspection.get('/throttling', async (_request, reply) => ok(reply, deps.throttler.getSettings()));
    inspection.put('/throttling', async (request, reply) => ok(reply, deps.throttler.configure((deps.parseJsonBody(request) ?? {}) as Partial<ThrottlingSettings>)));
    inspection.post('/reset', async (_request, reply) => {
      deps.reset();
      return ok(reply, { reset: true });
    });
  };
}

/** A subscription as Graph shows it, with the local knob (consumedElsewhere) and the free seats. */
function inspectionSkuView(sku: SubscribedSku, state: DirectoryState): Record<string, unknown> {
  return { ...subscribedSkuView(sku, state), consumedElsewhere: sku.consumedElsewhere, freeUnits: freeUnits(sku, state) };
}

/** A user as /_tenant/users shows it: no password or pass hash, only whether one is set. */
export function inspectionUserView(user: DirectoryUser): Record<string, unknown> {
  const { password, temporaryAccessPasses, ...rest } = structuredClone(user);
  return {
    ...rest,
    hasPassword: password !== null,
    temporaryAccessPasses: temporaryAccessPasses.map(({ secret: _secret, ...pass }) => pass),
  };
}

// AADSTS codes of Entra's password change (reference-error-codes.md, AADSTS120000–120018).
const PROBLEM_CODES = {
  weak: [120002, 'PasswordChangeInvalidNewPasswordWeak: the new password does not meet the complexity requirements.'],
  containsName: [120003, 'PasswordChangeInvalidNewPasswordContainsMemberName: the new password contains the user\'s name or the organization\'s.'],
  banned: [120018, 'PasswordChangePasswordDoesnotComplyFuzzyPolicy: the new password is too easy to guess.'],
} as const;

/**
 * POST /_tenant/users/{id}/changePassword {currentPassword, newPassword}: what a user does on the
 * "Update your password" page of the first interactive sign-in, which a forced change
 * (AADSTS50055) leads to. 204 on success, and the forced change is cleared.
 */
export function changePasswordAtSignIn(state: DirectoryState, id: string, body: unknown, correlationId: string, now: Date): ApiResponse {
  const user = state.users.find((candidate) => candidate.deletedDateTime === null
    && (candidate.id === id.toLowerCase() || candidate.userPrincipalName.toLowerCase() === id.toLowerCase()));
  if (!user) return graphErrorResponse(notFound(id), { requestId: correlationId, clientRequestId: correlationId });
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const current = fields['currentPassword'];
  const next = fields['newPassword'];
  if (typeof current !== 'string' || typeof next !== 'string') {
    return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameters: 'currentPassword' and 'newPassword'.", correlationId, now);
  }
  if (!secretMatches(current, user.password)) {
    return entraError(400, 'invalid_grant', 120000, 'PasswordChangeIncorrectCurrentPassword: the current password is not correct.', correlationId, now);
  }
  const problem = passwordProblem(next, passwordContext(user, state));
  if (problem !== null) {
    const [code, description] = PROBLEM_CODES[problem];
    return entraError(400, 'invalid_request', code, description, correlationId, now);
  }
  setPassword(user, next, false, now);
  user.signIn = { failedAttempts: 0, lockedUntil: null };
  return { status: 204, headers: {} };
}
