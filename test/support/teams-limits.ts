/**
 * Teams' documented limits, as the stand-ins that play Teams (the recording Bot Connector, the
 * activity helpers) enforce them. Each number cites its page; where Teams documents a limit but
 * not the exact answer, the comment says what this stand-in chose.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * "The bot message size limit is 100 KB … it includes the message itself (text, image links,
 * etc.), @-mentions, and reactions encoded as UTF-16 … If the bot message exceeds the size limit,
 * the bot receives a 413 status code (RequestEntityTooLarge), which contains the error code
 * MessageSizeTooBig." — https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/format-your-bot-messages
 * The stand-in reads it strictly: 100,000 bytes (not 102,400), and the whole activity the bot
 * posted counted (2 bytes per UTF-16 code unit of its JSON), not only the text and attachments.
 */
export const MESSAGE_SIZE_LIMIT_BYTES = 100_000;
/** "it's recommended to ensure that the size of the message itself is within 80 KB" (same page). */
export const MESSAGE_SIZE_RECOMMENDED_BYTES = 80_000;

/** What Teams counts of a message: its JSON in UTF-16, 2 bytes a code unit. */
export function utf16Bytes(value: unknown): number {
  return JSON.stringify(value ?? {}).length * 2;
}

/** Teams' 413 body for a message over the limit (the error code the page names). */
export const MESSAGE_TOO_BIG = (bytes: number) => ({
  error: { code: 'MessageSizeTooBig', message: `The message is ${bytes} bytes in UTF-16; Teams takes at most about ${MESSAGE_SIZE_LIMIT_BYTES}.` },
});

/** Operations the rate-limit page counts separately. */
export type RatedOperation = 'send' | 'create-conversation' | 'get-members';

/**
 * "Per bot per thread limit" — https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit#per-bot-per-thread-limit
 * (time period in seconds, maximum allowed operations). A thread is a 1:1 chat, a group chat or a
 * channel. The page lists no row for updating a message; the stand-in counts an update as a send
 * to that conversation ("All requests are subject to the same rate limiting policy").
 */
export const PER_BOT_PER_THREAD: Readonly<Record<RatedOperation, ReadonlyArray<readonly [seconds: number, operations: number]>>> = {
  send: [[1, 7], [2, 8], [30, 60], [3600, 1800]],
  'create-conversation': [[1, 7], [2, 8], [30, 60], [3600, 1800]],
  'get-members': [[1, 14], [2, 16], [30, 120], [3600, 3600]],
};

/** "The global limit per app per tenant is 50 Requests Per Second (RPS)" (same page). */
export const PER_APP_PER_TENANT_PER_SECOND = 50;

/**
 * Sliding windows of accepted operations per key: `take` answers undefined when the operation
 * is within every window, or how many seconds until the fullest window has room again (at
 * least 1: Retry-After is whole seconds). Refused operations are not counted.
 */
export function slidingWindows(now: () => number = () => performance.now()) {
  const seen = new Map<string, number[]>();
  return {
    take(key: string, windows: ReadonlyArray<readonly [seconds: number, operations: number]>): number | undefined {
      const at = now();
      const longest = Math.max(...windows.map(([seconds]) => seconds)) * 1000;
      const times = (seen.get(key) ?? []).filter((t) => at - t < longest);
      let waitMs = 0;
      for (const [seconds, operations] of windows) {
        const inWindow = times.filter((t) => at - t < seconds * 1000);
        if (inWindow.length >= operations) waitMs = Math.max(waitMs, inWindow[inWindow.length - operations]! + seconds * 1000 - at);
      }
      if (waitMs > 0) {
        seen.set(key, times);
        return Math.max(1, Math.ceil(waitMs / 1000));
      }
      times.push(at);
      seen.set(key, times);
      return undefined;
    },
  };
}

/**
 * "To send and receive files in the bot, set the supportsFiles property in the manifest to true
 * … If the bot does not enable supportsFiles, the features listed in this section do not work";
 * and "Teams bot APIs work only in the personal context".
 * — https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4
 */
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

/** Whether the app's manifest (appManifest/manifest.json unless another is given) lets its bot send and receive files. */
export function manifestSupportsFiles(manifest: unknown = committedManifest()): boolean {
  const bots = (manifest as { bots?: Array<{ supportsFiles?: unknown }> } | undefined)?.bots ?? [];
  return bots[0]?.supportsFiles === true;
}

export function committedManifest(): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../appManifest/manifest.json', import.meta.url)), 'utf8'));
}

/** An activity Teams would only send a bot that supports files: a file a person sent, or their answer to a file consent card. */
export function isFileActivity(activity: unknown): boolean {
  const a = activity as { type?: unknown; name?: unknown; attachments?: Array<{ contentType?: unknown }> } | undefined;
  if (a?.type === 'invoke' && a.name === 'fileConsent/invoke') return true;
  return (a?.attachments ?? []).some((attachment) => attachment?.contentType === FILE_DOWNLOAD_INFO);
}

/**
 * Why Teams would never send this activity to the bot, or undefined when it would: a file activity reaches only
 * a bot whose manifest sets supportsFiles, and only in a 1:1 chat ("Teams bot APIs work only in the personal
 * context. They do not work in the channel or groupchat context." — bots-filesv4, cited above).
 */
export function fileActivityNotDelivered(activity: unknown, supportsFiles: boolean): string | undefined {
  if (!isFileActivity(activity)) return undefined;
  if (!supportsFiles) return 'Teams sends no file activity to a bot whose manifest lacks "supportsFiles": true.';
  const conversationType = (activity as { conversation?: { conversationType?: unknown } }).conversation?.conversationType;
  if (conversationType !== 'personal') return `Teams sends file activities in personal chats only, not in a ${String(conversationType)} conversation.`;
  return undefined;
}

/** A message from the bot that offers or shows a file (the consent card or the file card). */
export function offersFile(activity: unknown): boolean {
  const attachments = (activity as { attachments?: Array<{ contentType?: unknown }> } | undefined)?.attachments ?? [];
  return attachments.some((attachment) => attachment?.contentType === FILE_CONSENT_CARD || attachment?.contentType === FILE_INFO_CARD);
}
