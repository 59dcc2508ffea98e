/**
 * A Bot Connector stand-in over real HTTP: it implements the routes botbuilder's
 * ConnectorClient calls (reply, send, create conversation, update, delete, members) and
 * records what each conversation actually received, so tests assert on what a person sees.
 * It refuses what Teams refuses (teams-limits.ts cites each page): a message over the size
 * limit (413 MessageSizeTooBig), calls past the per-thread and per-app rates (429), and file
 * cards from a bot whose manifest lacks supportsFiles or outside a 1:1 chat. It also plays the
 * person's OneDrive for files in a 1:1 chat: a file they send (a pre-authorised download URL)
 * and the upload session behind their "Allow" on a file consent card (see files below).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyReply } from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { DEFAULT_TLS_DIR } from '../../src/local-tenant/server.js';
import {
  FILE_DOWNLOAD_INFO, MESSAGE_SIZE_LIMIT_BYTES, MESSAGE_TOO_BIG, PER_APP_PER_TENANT_PER_SECOND, PER_BOT_PER_THREAD, manifestSupportsFiles, offersFile,
  slidingWindows, utf16Bytes, type RatedOperation,
} from './teams-limits.js';

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
  /** Calls answered 429 (past Teams' rates), with the Retry-After sent (seconds; absent when `retryAfter` is off). */
  readonly throttled: { path: string; operation: RatedOperation | 'global'; retryAfterSeconds?: number }[];
  /** Messages answered 413 MessageSizeTooBig, with their size in bytes (UTF-16). */
  readonly tooBig: { path: string; bytes: number }[];
  /** Messages with a file card refused because the app does not support files there. */
  readonly fileCardsRefused: { path: string; reason: string }[];
  /** The person's OneDrive as the bot sees it through Teams: files they send, files the bot uploads. */
  readonly files: PersonalFiles;
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

/** A file in the person's OneDrive, written through an upload session the bot was given. */
export interface UploadedFile {
  readonly name: string;
  readonly uniqueId: string;
  readonly bytes: Buffer;
  /** Headers of the PUTs that wrote it (lower-cased), to check what the bot sent. */
  readonly requests: ReadonlyArray<Readonly<Record<string, string | undefined>>>;
}

export interface PersonalFiles {
  /** A file a person sends the bot in a 1:1 chat: the attachment Teams puts on their message (a pre-authorised https download URL). */
  sent(name: string, content: string | Buffer): Promise<Record<string, unknown>>;
  /**
   * The `value` of the fileConsent/invoke Teams sends when the person answers a consent card:
   * on accept, with the upload session (uploadUrl over https) for the file the card names.
   */
  consentAnswer(consentCard: { name?: unknown; content?: unknown }, action: 'accept' | 'decline'): Promise<Record<string, unknown>>;
  /** Files completed through upload sessions, in order. */
  readonly uploaded: UploadedFile[];
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
  /** Whether the app's manifest sets supportsFiles (default: what appManifest/manifest.json says). */
  supportsFiles?: boolean;
  /**
   * The status a file card is refused with where Teams takes no file (default 400): undocumented, so an
   * assumption this stand-in makes — tests vary it so the bot depends on no particular one (FILES_NOT_SUPPORTED).
   */
  fileCardRefusalStatus?: number;
  /** Teams' documented rates (default on); off only for tests that measure something else. */
  rateLimits?: boolean;
  /**
   * Whether a 429 carries Retry-After (default on). The rate-limit page does not promise the
   * header: with it off the stand-in answers as a Teams that sends none, and the bot must back off on its own.
   */
  retryAfter?: boolean;
}

/**
 * Teams' answer when a file card comes from a bot that cannot send files there. AN ASSUMPTION: bots-filesv4
 * says only that without supportsFiles the file features "do not work", and that the bot file APIs "work only
 * in the personal context"; it documents no status. This stand-in refuses the send (400 BadArgument unless
 * `fileCardRefusalStatus` says otherwise) so the bot's fallback is exercised; the only public report found
 * (https://github.com/openclaw/openclaw/issues/137758) has Teams show the consent card and fail the Allow click
 * in the client instead, never calling the bot — nothing a bot can detect, which is why the manifest keeps
 * supportsFiles true (README, "Exports as files").
 */
const FILES_NOT_SUPPORTED = (status: number, reason: string) => ({ error: { code: status === 400 ? 'BadArgument' : status === 403 ? 'Forbidden' : 'BadRequest', message: reason } });

export async function startRecordingConnector(options: RecordingConnectorOptions = {}): Promise<RecordingConnector> {
  const received: RecordedActivity[] = [];
  const refused: { path: string; reason: string }[] = [];
  const throttled: RecordingConnector['throttled'] = [];
  const tooBig: RecordingConnector['tooBig'] = [];
  const fileCardsRefused: RecordingConnector['fileCardsRefused'] = [];
  const supportsFiles = options.supportsFiles ?? manifestSupportsFiles();
  const rates = slidingWindows();
  const rateLimits = options.rateLimits ?? true;
  const retryAfter = options.retryAfter ?? true;
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
  // Large enough that an oversized message reaches the size check below instead of Fastify's own limit.
  const fastify = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
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

  /** A thread is a 1:1 chat, a group chat or a channel: a reply chain counts with its channel. */
  const threadOf = (conversationId: string) => conversationId.split(';messageid=')[0]!;
  /** 429 past Teams' rates (per bot per thread, then per app per tenant), or undefined when within them. */
  const throttle = (reply: FastifyReply, path: string, operation: RatedOperation, thread: string): FastifyReply | undefined => {
    if (!rateLimits) return undefined;
    const refusedFor = (kind: RatedOperation | 'global', seconds: number) => {
      throttled.push({ path, operation: kind, ...(retryAfter ? { retryAfterSeconds: seconds } : {}) });
      if (retryAfter) void reply.header('retry-after', String(seconds));
      return reply.code(429).send({ error: { code: 'TooManyRequests', message: 'Too many requests.' } });
    };
    const global = rates.take('global', [[1, PER_APP_PER_TENANT_PER_SECOND]]);
    if (global !== undefined) return refusedFor('global', global);
    const wait = rates.take(`${operation}:${thread}`, PER_BOT_PER_THREAD[operation]);
    return wait === undefined ? undefined : refusedFor(operation, wait);
  };
  /** 413 for a message over Teams' size limit, or a 4xx for a file card Teams would not take (FILES_NOT_SUPPORTED); undefined when it may go. */
  const refuseMessage = (reply: FastifyReply, path: string, conversationId: string, activity: unknown): FastifyReply | undefined => {
    const bytes = utf16Bytes(activity);
    if (bytes > MESSAGE_SIZE_LIMIT_BYTES) {
      tooBig.push({ path, bytes });
      return reply.code(413).send(MESSAGE_TOO_BIG(bytes));
    }
    if (offersFile(activity)) {
      const reason = !supportsFiles
        ? 'The app does not support files (its manifest lacks "supportsFiles": true).'
        : !conversationId.startsWith('a:') ? 'Files go through the Teams bot APIs in 1:1 chats only.' : undefined;
      if (reason) {
        fileCardsRefused.push({ path, reason });
        const status = options.fileCardRefusalStatus ?? 400;
        return reply.code(status).send(FILES_NOT_SUPPORTED(status, reason));
      }
    }
    return undefined;
  };

  const record = (operation: RecordedActivity['operation'], conversationId: string, activityId: string, activity: unknown, authorization: string | undefined, replyToId?: string) => {
    received.push({ operation, conversationId, activityId, activity: (activity ?? {}) as Record<string, unknown>, authorization, ...(replyToId ? { replyToId } : {}) });
  };

  fastify.post<{ Params: { conversationId: string; activityId?: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request, reply) => {
    const failure = failureFor(request.params.conversationId);
    if (failure) return reply.code(failure.status).send(failure.body);
    const refusal = refuseMessage(reply, request.url, request.params.conversationId, request.body)
      ?? throttle(reply, request.url, 'send', threadOf(request.params.conversationId));
    if (refusal) return refusal;
    const id = randomUUID();
    record('reply', request.params.conversationId, id, request.body, request.headers.authorization, request.params.activityId);
    return { id };
  });
  fastify.post<{ Params: { conversationId: string } }>('/v3/conversations/:conversationId/activities', async (request, reply) => {
    const failure = failureFor(request.params.conversationId);
    if (failure) return reply.code(failure.status).send(failure.body);
    const refusal = refuseMessage(reply, request.url, request.params.conversationId, request.body)
      ?? throttle(reply, request.url, 'send', threadOf(request.params.conversationId));
    if (refusal) return refusal;
    const id = randomUUID();
    record('send', request.params.conversationId, id, request.body, request.headers.authorization);
    return { id };
  });
  fastify.put<{ Params: { conversationId: string; activityId: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request, reply) => {
    const refusal = refuseMessage(reply, request.url, request.params.conversationId, request.body)
      ?? throttle(reply, request.url, 'send', threadOf(request.params.conversationId));
    if (refusal) return refusal;
    record('update', request.params.conversationId, request.params.activityId, request.body, request.headers.authorization);
    if (updates.hold) await new Promise<void>((resolve) => updates.waiting.push(resolve));
    return { id: request.params.activityId };
  });
  fastify.delete<{ Params: { conversationId: string; activityId: string } }>('/v3/conversations/:conversationId/activities/:activityId', async (request) => {
    record('delete', request.params.conversationId, request.params.activityId, {}, request.headers.authorization);
    return {};
  });
  fastify.post('/v3/conversations', async (request, reply) => {
    const body = (request.body ?? {}) as { members?: { id: string }[]; isGroup?: boolean; channelData?: { channel?: { id?: string } }; activity?: unknown };
    const target = body.isGroup ? body.channelData?.channel?.id ?? 'unknown-channel' : `personal:${body.members?.[0]?.id ?? 'unknown'}`;
    const failure = failureFor(target);
    if (failure) return reply.code(failure.status).send(failure.body);
    const member = body.members?.[0]?.id ?? '';
    const notReachable = body.isGroup ? undefined : chatRefusal(member);
    if (notReachable) {
      refusedChats.push({ memberId: member, reason: notReachable });
      // Teams' 403 for a conversation the bot is not part of ("Status code responses",
      // https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses).
      return reply.code(403).send({ error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } });
    }
    const refusal = (body.activity ? refuseMessage(reply, request.url, body.isGroup ? target : `a:${target}`, body.activity) : undefined)
      ?? throttle(reply, request.url, 'create-conversation', target);
    if (refusal) return refusal;
    const conversationId = body.isGroup ? `${target};messageid=${randomUUID()}` : `a:${target}`;
    record('create-conversation', conversationId, '', request.body, request.headers.authorization);
    return { id: conversationId, activityId: randomUUID() };
  });

  fastify.get<{ Params: { conversationId: string; memberId: string } }>('/v3/conversations/:conversationId/members/:memberId', async (request, reply) => {
    const memberId = request.params.memberId;
    const refusal = throttle(reply, request.url, 'get-members', threadOf(request.params.conversationId));
    if (refusal) return refusal;
    const found = memberId.startsWith('29:') ? { id: memberId, name: '' } : options.members?.(memberId);
    if (!found) return reply.code(404).send({ error: { code: 'MemberNotFoundInConversation', message: 'The member was not found in the conversation.' } });
    return { id: found.id, name: found.name, ...(memberId.startsWith('29:') ? {} : { aadObjectId: memberId }), userRole: 'user' };
  });

  const address = await fastify.listen({ host: '127.0.0.1', port: 0 });
  const files = personalFiles();
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
    throttled,
    tooBig,
    fileCardsRefused,
    files: files.api,
    inConversation: (conversationId) => received.filter((entry) => entry.conversationId === conversationId),
    repliesTo: (activityId) => received.filter((entry) => entry.replyToId === activityId),
    failConversation: (conversationId, status, body = { error: { code: 'Forbidden', message: 'The bot is not part of the conversation roster.' } }, times = Number.POSITIVE_INFINITY) => {
      failures.set(conversationId, { status, body, left: times });
    },
    close: async () => {
      await fastify.close();
      await files.close();
    },
  };
}

/**
 * The person's OneDrive for Business, over https with the local CA (started on first use):
 * - a file they send the bot in a 1:1 chat is served at a pre-authorised download URL
 *   (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4#receive-files-in-personal-chat);
 * - when they accept a file consent card, Teams hands the bot an upload session URL, which takes
 *   the bytes as OneDrive's upload sessions do
 *   (https://learn.microsoft.com/en-us/graph/api/driveitem-createuploadsession#upload-bytes-to-the-upload-session):
 *   PUT with Content-Length and Content-Range (`bytes start-end/total`), fragments in order, each
 *   under 60 MiB; 202 with nextExpectedRanges until the last byte, then 201 with the driveItem;
 *   a PUT carrying Authorization is refused with 401, a fragment out of order with 416.
 */
function personalFiles(): { api: PersonalFiles; close(): Promise<void> } {
  const uploaded: UploadedFile[] = [];
  const downloads = new Map<string, Buffer>();
  const sessions = new Map<string, { name: string; uniqueId: string; total?: number; chunks: Buffer[]; received: number; requests: Record<string, string | undefined>[] }>();
  let started: Promise<{ url: string; close(): Promise<void> }> | undefined;

  const start = async () => {
    const tls = ensureLocalCertificates(DEFAULT_TLS_DIR);
    const host = Fastify({ logger: false, bodyLimit: 60 * 1024 * 1024, https: { key: readFileSync(tls.serverKeyPath), cert: readFileSync(tls.serverCertPath) } });
    host.removeAllContentTypeParsers();
    host.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    host.get<{ Params: { id: string } }>('/download/:id', async (request, reply) => {
      const bytes = downloads.get(request.params.id);
      if (!bytes) return reply.code(404).send({ error: { code: 'itemNotFound', message: 'The resource could not be found.' } });
      return reply.header('content-type', 'application/octet-stream').send(bytes);
    });
    host.put<{ Params: { id: string } }>('/upload/:id', async (request, reply) => {
      const session = sessions.get(request.params.id);
      if (!session) return reply.code(404).send({ error: { code: 'itemNotFound', message: 'The upload session does not exist or has expired.' } });
      const headers = request.headers;
      session.requests.push({ authorization: headers.authorization, 'content-length': headers['content-length'], 'content-range': headers['content-range'], 'content-type': headers['content-type'] });
      if (headers.authorization) return reply.code(401).send({ error: { code: 'unauthenticated', message: 'Do not send Authorization to an upload URL.' } });
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
      if (!range || Number(headers['content-length']) !== body.length) {
        return reply.code(400).send({ error: { code: 'invalidRequest', message: 'Content-Range (bytes start-end/total) and Content-Length are required and must match the body.' } });
      }
      const [from, to, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      if (session.total !== undefined && session.total !== total) return reply.code(400).send({ error: { code: 'invalidRequest', message: 'The declared file size changed.' } });
      if (from !== session.received) return reply.code(416).send({ error: { code: 'invalidRange', message: `Expected bytes from ${session.received}.` } });
      if (to - from + 1 !== body.length || to >= total) return reply.code(400).send({ error: { code: 'invalidRange', message: 'The range does not match the body.' } });
      session.total = total;
      session.chunks.push(body);
      session.received += body.length;
      if (session.received < total) return reply.code(202).send({ nextExpectedRanges: [`${session.received}-`] });
      sessions.delete(request.params.id);
      uploaded.push({ name: session.name, uniqueId: session.uniqueId, bytes: Buffer.concat(session.chunks), requests: session.requests });
      return reply.code(201).send({ id: session.uniqueId, name: session.name, size: total, file: {} });
    });
    const url = await host.listen({ host: '127.0.0.1', port: 0 });
    return { url: url.replace('http://', 'https://'), close: () => host.close() };
  };
  const baseUrl = async () => (await (started ??= start())).url;

  return {
    api: {
      uploaded,
      async sent(name, content) {
        const id = randomUUID();
        downloads.set(id, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
        const fileType = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
        return {
          contentType: FILE_DOWNLOAD_INFO,
          contentUrl: `https://contoso.sharepoint.com/personal/alex_contoso_com/Documents/Microsoft Teams Chat Files/${name}`,
          name,
          content: { downloadUrl: `${await baseUrl()}/download/${id}`, uniqueId: id.toUpperCase(), fileType, etag: '1' },
        };
      },
      async consentAnswer(consentCard, action) {
        const context = (consentCard.content as { acceptContext?: unknown; declineContext?: unknown } | undefined) ?? {};
        if (action === 'decline') return { type: 'fileUpload', action, context: context.declineContext ?? {} };
        const name = typeof consentCard.name === 'string' ? consentCard.name : 'file';
        const id = randomUUID();
        const uniqueId = randomUUID().toUpperCase();
        sessions.set(id, { name, uniqueId, chunks: [], received: 0, requests: [] });
        return {
          type: 'fileUpload', action, context: context.acceptContext ?? {},
          uploadInfo: {
            contentUrl: `https://contoso.sharepoint.com/personal/alex_contoso_com/Documents/Applications/${name}`,
            name, uploadUrl: `${await baseUrl()}/upload/${id}`, uniqueId,
            fileType: /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '', etag: '1',
          },
        };
      },
    },
    close: async () => {
      if (started) await (await started).close();
    },
  };
}
