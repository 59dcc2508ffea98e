/** Teams-shaped activities, as the Bot Connector posts them to /api/messages. */
import { randomUUID } from 'node:crypto';

export const TENANT_ID = '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93';
export const BOT = { id: '28:00000000-0000-4000-8000-0000000b0701', name: 'Onboarding' };
export const PEOPLE = {
  alex: { id: '29:alex', name: 'Alex Wilber', aadObjectId: '00000000-0000-4000-8000-000000000020' },
  megan: { id: '29:megan', name: 'Megan Bowen', aadObjectId: '00000000-0000-4000-8000-000000000021' },
  isaiah: { id: '29:isaiah', name: 'Isaiah Langer', aadObjectId: '00000000-0000-4000-8000-000000000023' },
} as const;
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

/** What every activity from Teams carries; each kind below adds its own fields. */
function fromTeams(serviceUrl: string, from: Person, conversation: Record<string, unknown>, channelData: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from,
    recipient: BOT,
    conversation: { tenantId: TENANT_ID, ...conversation },
    channelData: { tenant: { id: TENANT_ID }, ...channelData },
    locale: 'en-US',
  };
}

const personalChat = (from: Person) => ({ id: `a:personal-${from.aadObjectId}`, conversationType: 'personal' });

export function personalMessage(serviceUrl: string, from: Person, text: string, overrides: Record<string, unknown> = {}) {
  return { ...fromTeams(serviceUrl, from, personalChat(from)), type: 'message', text, textFormat: 'plain', ...overrides };
}

/** A message in a group chat the bot was added to (everyone in it reads the bot's answer). */
export function groupChatMessage(serviceUrl: string, from: Person, text: string, chatId = '19:group-chat-7@thread.v2') {
  return { ...fromTeams(serviceUrl, from, { id: chatId, conversationType: 'groupChat', isGroup: true }), type: 'message', text, textFormat: 'plain' };
}

export function channelMessage(serviceUrl: string, from: Person, text: string, channelId = '19:it-tickets@thread.tacv2', overrides: Record<string, unknown> = {}) {
  return {
    ...fromTeams(
      serviceUrl,
      from,
      { id: `${channelId};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true },
      { channel: { id: channelId, name: 'Tickets' }, team: { id: '19:it-team@thread.tacv2' } },
    ),
    type: 'message',
    text: `<at>Onboarding</at> ${text}`,
    entities: [{ type: 'mention', text: '<at>Onboarding</at>', mentioned: BOT }],
    textFormat: 'plain',
    ...overrides,
  };
}

/** An Adaptive Card Action.Execute click, as Teams sends it (invoke adaptiveCard/action). */
export function cardAction(serviceUrl: string, from: Person, verb: string, data: Record<string, unknown>, replyToId: string, overrides: Record<string, unknown> = {}) {
  return {
    ...fromTeams(serviceUrl, from, personalChat(from)),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    ...overrides,
  };
}

/**
 * The refresh Teams sends by itself when a person looks at a card whose `refresh.userIds` name
 * them (trigger "automatic"; "Universal Bot action model", request format:
 * https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/universal-action-model#request-format).
 */
export function cardRefresh(serviceUrl: string, from: Person, verb: string, data: Record<string, unknown>, cardMessageId: string) {
  const action = cardAction(serviceUrl, from, verb, data, cardMessageId);
  return { ...action, value: { ...action.value, trigger: 'automatic' } };
}

/** Teams telling the bot it was added to a person's personal chat (install, reinstall). */
export function botAdded(serviceUrl: string, from: Person, overrides: Record<string, unknown> = {}) {
  return {
    ...fromTeams(serviceUrl, from, personalChat(from)),
    type: 'conversationUpdate',
    membersAdded: [{ id: BOT.id, name: BOT.name }],
    ...overrides,
  };
}

/**
 * A person's answer to a file consent card, as Teams sends it (invoke fileConsent/invoke), with
 * the value the stand-in's OneDrive made (connector.files.consentAnswer)
 * — https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4
 */
export function fileConsentAnswer(serviceUrl: string, from: Person, value: Record<string, unknown>, replyToId: string) {
  return { ...fromTeams(serviceUrl, from, personalChat(from)), type: 'invoke', name: 'fileConsent/invoke', replyToId, value };
}
