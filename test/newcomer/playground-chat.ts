/**
 * Chatting in the Microsoft 365 Agents Playground without a browser: the same HTTP calls and
 * WebSocket its web page makes (read from @microsoft/m365agentsplayground 0.2.28, its client
 * bundle dist/client/static/js/main.*.js and its server dist/index.js):
 * - GET  /_internal/v1/config — the signed-in person (currentUser.id) and the personal chat's id;
 * - the bot's messages stream on ws://…/_ws_conversation/v1/conversations/stream as
 *   { action: 'createMessage' | 'updateMessage' | 'typing', actionConversationId, message };
 * - POST /_conversation/v1/conversations/{id}/messages { type: 'text', text, textFormat: 'plain', from: { id } }
 *   answers { messageId, timestamp } and relays the message to the bot.
 */
import WebSocket from 'ws';

export interface PlaygroundMessage {
  readonly messageId: string;
  readonly timestamp: number;
  readonly from: { readonly id: string };
  readonly text?: string;
  readonly attachments?: ReadonlyArray<{ readonly contentType: string; readonly content: unknown }>;
}

interface StreamedAction {
  action: string;
  actionConversationId: string;
  message: PlaygroundMessage;
}

interface PlaygroundConfig {
  config: { bot: { id: string }; currentUser: { id: string; userPrincipleName: string }; personalChat: { id: string } };
}

export interface PersonalChat {
  /** The bot's id and the signed-in person's UPN, as the Playground has them. */
  readonly botId: string;
  readonly signedInAs: string;
  /** Types `text` into the personal chat and presses Enter. */
  send(text: string): Promise<{ messageId: string }>;
  /** The first new message from the bot in this chat, after those already read, that `matches`. */
  nextFromBot(matches: (message: PlaygroundMessage) => boolean, timeoutMs?: number): Promise<PlaygroundMessage>;
  close(): void;
}

export async function openPersonalChat(playgroundUrl: string): Promise<PersonalChat> {
  const base = new URL(playgroundUrl);
  const answer = await fetch(new URL('/_internal/v1/config', base));
  if (!answer.ok) throw new Error(`GET /_internal/v1/config: ${answer.status}`);
  const { config } = (await answer.json()) as PlaygroundConfig;
  const chatId = config.personalChat.id;

  const received: PlaygroundMessage[] = [];
  const waiting = new Set<() => void>();
  const socket = new WebSocket(new URL('/_ws_conversation/v1/conversations/stream', `ws://${base.host}`));
  socket.on('message', (data) => {
    const streamed = JSON.parse(String(data)) as StreamedAction;
    if (streamed.action !== 'createMessage' || streamed.actionConversationId !== chatId) return;
    received.push(streamed.message);
    for (const wake of waiting) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let read = 0;

  return {
    botId: config.bot.id,
    signedInAs: config.currentUser.userPrincipleName,
    async send(text) {
      const sent = await fetch(new URL(`/_conversation/v1/conversations/${encodeURIComponent(chatId)}/messages`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'text', text, textFormat: 'plain', from: { id: config.currentUser.id } }),
      });
      if (!sent.ok) throw new Error(`POST …/messages: ${sent.status} ${await sent.text()}`);
      return (await sent.json()) as { messageId: string };
    },
    async nextFromBot(matches, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (read < received.length) {
          const message = received[read]!;
          read += 1;
          if (message.from.id === config.bot.id && matches(message)) return message;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`No matching message from the bot within ${timeoutMs / 1000} s; it sent ${received.length} in all.`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            waiting.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiting.add(wake);
        });
      }
    },
    close: () => socket.close(),
  };
}
