/**
 * A Bot Connector stand-in over real HTTP: it implements the routes botbuilder's
 * ConnectorClient calls (reply, send, create conversation, update, delete, members) and
 * records what each conversation actually received, so tests assert on what a person sees.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * What the real Bot Connector checks on a bot's call: a bearer token signed by the bot's login
 * authority (its keys), issued by that tenant, for the Bot Connector's resource, to the bot's app id.
 */
export interface ConnectorTokenCheck {
  /** The login authority's JWKS, e.g. {tenant}/discovery/v2.0/keys. */
  readonly jwksUrl: string;
  /** The token's `iss`: https://sts.windows.net/{tenant id}/ for an app-only v1 token. */
  readonly issuer: string;
  /** The token's `aud`: the Bot Connector resource of the cloud (https://api.botframework.com in the public cloud). */
  readonly audience: string;
  /** The bot's app id (`appid`), which a managed identity's token carries as well. */
  readonly appId: string;
}

/**
 * What the Bot Connector checks on the calls of a bot whose login authority is this local tenant;
 * `audience`: its cloud's Bot Connector resource (https://api.botframework.us in US Government).
 */
export function tokenCheckFor(tenant: { url: string; tenantId: string }, botAppId: string, audience = 'https://api.botframework.com'): ConnectorTokenCheck {
  return {
    jwksUrl: `${tenant.url}/${tenant.tenantId}/discovery/v2.0/keys`,
    issuer: `https://sts.windows.net/${tenant.tenantId}/`,
    audience,
    appId: botAppId,
  };
}

export interface RecordedActivity {
  /** The conversation the activity was posted to (decoded). */
  conversationId: string;
  operation: 'reply' | 'send' | 'update' | 'delete' | 'create-conversation';
  activityId: string;
  /** For replies: the id of the activity replied to. */
  replyToId?: string;
  activity: Record<string, unknown>;
  authorization: string | undefined;
}

export interface RecordingConnector {
  readonly serviceUrl: string;
  readonly received: RecordedActivity[];
  /** Activities in one conversation, in order. */
  inConversation(conversationId: string): RecordedActivity[];
  /** Replies to one inbound activity, in order. */
  repliesTo(activityId: string): RecordedActivity[];
  /** Every call is answered this long after it arrived (to keep a turn in flight). */
  delayMs: number;
  /** Calls received but not yet answered. */
  readonly pending: number;
  /** Next calls matching `conversationId` fail with this status (for delivery-failure tests); `times` of them, or all. */
  failConversation(conversationId: string, status: number, body?: unknown, times?: number): void;
  /** Calls refused because their token did not pass the check (with `tokenCheck` only), and why. */
  readonly refused: { path: string; reason: string }[];
  /** 1:1 chats refused with 403 because the person had not got the app (yet), in order. */
  readonly refusedChats: { memberId: string; reason: 'not-installed' | 'installation-spreading' }[];
  /** How long after an installation the person can be messaged (see `installationSpreadMs` in the options). */
  installationSpreadMs: number;
  /** While true, message updates (PUT) are recorded as they arrive but not answered; false answers those held. */
  holdUpdates: boolean;
  /** Message updates held now. */
  readonly heldUpdates: number;
  close(): Promise<void>;
}

export interface RecordingConnectorOptions {
  /** Without it every call is accepted (local mode sends none); with it, a call without a valid token gets 401 and is not recorded. */
  tokenCheck?: ConnectorTokenCheck;
  /**
   * Whether a person has the bot's app (personal scope), asked when a 1:1 chat is created
   * for their Entra object id: Teams answers 403 when they have not. Unset: everyone has it.
   */
  appInstalledFor?: (memberId: string) => boolean;
  /**
   * When a person got the bot's app (an Entra object id → when it was installed; undefined: not
   * installed), for Teams' delay after a new installation: a 1:1 chat with them is refused with
   * 403 until `installationSpreadMs` after that time, as a 1:1 chat with someone who has not got
   * the app. Microsoft documents that the bot can message a person once the app "has been added
   * for a user … and has received all the user information", and that it then receives a
   * conversationUpdate — not how long that takes ("Send proactive installation messages",
   * https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages).
   */
  appInstalledAt?: (memberId: string) => Date | undefined;
  /** How long a new installation takes before the person can be messaged; default 0, changeable later. */
  installationSpreadMs?: number;
  /**
   * Who an Entra object id is in Teams (their 29:… user id), as GET /v3/conversations/{id}/members/{member}
   * answers; an id it does not know gets 404, as from Teams for someone outside the conversation.
   */
  members?: (aadObjectId: string) => { readonly id: string; readonly name: string } | undefined;
}

export async function startRecordingConnector(options: RecordingConnectorOptions = {}): Promise<RecordingConnector> {
  const received: RecordedActivity[] = [];
  const refused: { path: string; reason: string }[] = [];
  const check = options.tokenCheck;
  const keys = check ? createRemoteJWKSet(new URL(check.jwksUrl)) : undefined;
  const failures = new Map<string, { status: number; body: unknown; left: number }>();
  /** The failure for this call, if one is set (and counted down). */
  const failureFor = (conversationId: string) => {
    const failure = failures.get(conversationId);
    if (!failure) return undefined;
    failure.left -= 1;
    if (failure.left <= 0) failures.delete(conversationId);
    return failure;
  };
  const fastify = Fastify({ logger: false });
  const state = { delayMs: 0, pending: 0, installationSpreadMs: options.installationSpreadMs ?? 0 };
  const refusedChats: RecordingConnector['refusedChats'] = [];
  const updates = { hold: false, waiting: [] as Array<() => void> };
  /** Why Teams refuses a 1:1 chat with this person now, if it does: no app, or an installation that has not reached Teams yet. */
  const chatRefusal = (member: string): RecordingConnector['refusedChats'][number]['reason'] | undefined => {
    // A Teams user id (29:…) is what Teams gave the bot for someone who wrote to it: they have the app.
    if (member.startsWith('29:')) return undefined;
    if (options.appInstalledFor && !options.appInstalledFor(member)) return 'not-installed';
    if (!options.appInstalledAt) return undefined;
    const installedAt = options.appInstalledAt(member);
    if (!installedAt) return 'not-installed';
    return Date.now() < installedAt.getTime() + state.installationSpreadMs ? 'installation-spreading' : undefined;
  };
  // A call is recorded as it arrives (it has reached Teams); the answer is what is held back.
  // Counted until its connection is done, answered or dropped: a caller killed while it waits
  // (the resilience tests' kill -9) no longer leaves the call pending forever, and what it sent is kept.
  fastify.addHook('onRequest', async (_request, reply) => {
    state.pending += 1;
    reply.raw.once('close', () => {
      state.pending -= 1;
    });
  });
  if (check && keys) {
    fastify.addHook('preHandler', async (request, reply) => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const reason = token === undefined
        ? 'no bearer token'
        : await jwtVerify(token, keys, { issuer: check.issuer, audience: check.audience, algorithms: ['RS256'] }).then(
            ({ payload }) => (payload['appid'] === check.appId ? undefined : `appid ${String(payload['appid'])} is not the bot`),
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
      if (reason !== undefined) {
        refused.push({ path: request.url, reason });
        // The Bot Connector's answer to a bot call it cannot authenticate.
        return reply.code(401).send({ message: 'Authorization has been denied for this request.' });
      }
      return undefined;
    });
  }
  fastify.addHook('onSend', async () => {
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
  });

  const record = (operation: RecordedActivity['operation'], conversationId: string, activityId: string, activity: unknown, authorization: string | undefined, replyToId?: string) => {
    received.push({ operation, conversationId, activityId, activity: (activity ?? {}) as Record<string, unknown>, authorization, ...(replyToId ? { replyToId } : {}) });
  };

  fastify.post<{ Params: { conversationId: string; activityId?: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request, reply) => {
    const failure = failureFor(request.params.conversationId);
    if (failure) return reply.code(failure.status).send(failure.body);
    const id = randomUUID();
    record('reply', request.params.conversationId, id, request.body, request.headers.authorization, request.params.activityId);
    return { id };
  });
  fastify.post<{ Params: { conversationId: string } }>('/v3/conversations/:conversationId/activities', async (request, reply) => {
    const failure = failureFor(request.params.conversationId);
    if (failure) return reply.code(failure.status).send(failure.body);
    const id = randomUUID();
    record('send', request.params.conversationId, id, request.body, request.headers.authorization);
    return { id };
  });
  fastify.put<{ Params: { conversationId: string; activityId: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request) => {
    record('update', request.params.conversationId, request.params.activityId, request.body, request.headers.authorization);
    if (updates.hold) await new Promise<void>((resolve) => updates.waiting.push(resolve));
    return { id: request.params.activityId };
  });
  fastify.delete<{ Params: { conversationId: string; activityId: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request) => {
    record('delete', request.params.conversationId, request.params.activityId, {}, request.headers.authorization);
    return {};
  });
  fastify.post('/v3/conversations', async (request, reply) => {
    const body = (request.body ?? {}) as { members?: { id: string }[]; isGroup?: boolean; channelData?: { channel?: { id?: string } } };
    const target = body.isGroup ? body.channelData?.channel?.id ?? 'unknown-channel' : `personal:${body.members?.[0]?.id ?? 'unknown'}`;
    const failure = failureFor(target);
    if (failure) return reply.code(failure.status).send(failure.body);
    const member = body.members?.[0]?.id ?? '';
    const refusal = body.isGroup ? undefined : chatRefusal(member);
    if (refusal) {
      refusedChats.push({ memberId: member, reason: refusal });
      // Teams' 403 for a conversation the bot is not part of ("Status code responses",
      // https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses).
      return reply.code(403).send({ error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } });
    }
    const conversationId = body.isGroup ? `${target};messageid=${randomUUID()}` : `a:${target}`;
    record('create-conversation', conversationId, '', request.body, request.headers.authorization);
    return { id: conversationId, activityId: randomUUID() };
  });

  fastify.get<{ Params: { conversationId: string; memberId: string } }>('/v3/conversations/:conversationId/members/:memberId', async (request, reply) => {
    const memberId = request.params.memberId;
    const found = memberId.startsWith('29:') ? { id: memberId, name: '' } : options.members?.(memberId);
    if (!found) return reply.code(404).send({ error: { code: 'MemberNotFoundInConversation', message: 'The member was not found in the conversation.' } });
    return { id: found.id, name: found.name, ...(memberId.startsWith('29:') ? {} : { aadObjectId: memberId }), userRole: 'user' };
  });

  const address = await fastify.listen({ host: '127.0.0.1', port: 0 });
  return {
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get pending() {
      return state.pending;
    },
    get holdUpdates() {
      return updates.hold;
    },
    set holdUpdates(value: boolean) {
      updates.hold = value;
      if (!value) for (const release of updates.waiting.splice(0)) release();
    },
    get heldUpdates() {
      return updates.waiting.length;
    },
    get installationSpreadMs() {
      return state.installationSpreadMs;
    },
    set installationSpreadMs(value: number) {
      state.installationSpreadMs = value;
    },
    refusedChats,
    serviceUrl: address,
    received,
    refused,
    inConversation: (conversationId) => received.filter((entry) => entry.conversationId === conversationId),
    repliesTo: (activityId) => received.filter((entry) => entry.replyToId === activityId),
    failConversation: (conversationId, status, body = { error: { code: 'Forbidden', message: 'The bot is not part of the conversation roster.' } }, times = Number.POSITIVE_INFINITY) => {
      failures.set(conversationId, { status, body, left: times });
    },
    close: () => fastify.close(),
  };
}
