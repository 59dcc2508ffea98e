/**
 * Files in a 1:1 chat through the Teams bot APIs (the manifest's supportsFiles; personal scope
 * only): a file a person sends arrives as a pre-authorised download URL; a file the bot sends
 * is offered with a file consent card, and when the person allows it Teams hands the bot an
 * upload URL in their OneDrive, then the bot shows it with a file card.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4
 */
import type { Attachment } from 'botbuilder';

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

export type DownloadResult = { readonly kind: 'ok'; readonly text: string } | { readonly kind: 'too-large' } | { readonly kind: 'failed' };

/** GET over https with a size cap: the pre-authorised download URL Teams gives for a file in a 1:1 chat. */
export async function downloadOverHttps(url: string, maxBytes: number): Promise<DownloadResult> {
  try {
    if (new URL(url).protocol !== 'https:') return { kind: 'failed' };
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: 'follow' });
    if (!response.ok || !response.body) return { kind: 'failed' };
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too-large' };
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) return { kind: 'too-large' };
      chunks.push(chunk);
    }
    return { kind: 'ok', text: new TextDecoder('utf-8').decode(Buffer.concat(chunks)) };
  } catch {
    return { kind: 'failed' };
  }
}

/** The card asking the person to let the bot put a file in their OneDrive; `context` comes back with their answer. */
export function fileConsentCard(name: string, sizeInBytes: number, description: string, context: Record<string, unknown>): Attachment {
  return { contentType: FILE_CONSENT_CARD, name, content: { description, sizeInBytes, acceptContext: context, declineContext: context } };
}

/** What Teams sends in fileConsent/invoke when the person allows the file. */
export interface ConsentedUpload {
  readonly name: string;
  readonly uploadUrl: string;
  readonly contentUrl: string;
  readonly uniqueId: string;
  readonly fileType: string;
}

/** The upload slot of an accepted consent, or undefined when the answer is not one. */
export function consentedUploadOf(value: unknown): ConsentedUpload | undefined {
  const info = (value as { uploadInfo?: Record<string, unknown> } | undefined)?.uploadInfo;
  const text = (key: string) => (typeof info?.[key] === 'string' ? (info[key] as string) : undefined);
  const uploadUrl = text('uploadUrl');
  if (!uploadUrl || !text('name')) return undefined;
  return { name: text('name')!, uploadUrl, contentUrl: text('contentUrl') ?? '', uniqueId: text('uniqueId') ?? '', fileType: text('fileType') ?? '' };
}

/**
 * Whether an upload URL goes where the person's file belongs: https, on one of `hosts` or below one
 * of them (a domain). Otherwise its host, for the log: never the URL itself, which authorises the upload.
 */
export function checkUploadUrl(url: string, hosts: readonly string[]): { readonly allowed: true } | { readonly allowed: false; readonly host: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { allowed: false, host: '(not a URL)' };
  }
  const host = parsed.hostname.toLowerCase();
  return parsed.protocol === 'https:' && hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`)) ? { allowed: true } : { allowed: false, host };
}

/**
 * Writes the file through the upload URL: one PUT with Content-Length and Content-Range and no
 * Authorization, as OneDrive's upload sessions take it (files here are far below the 60 MiB a
 * request may carry) — https://learn.microsoft.com/en-us/graph/api/driveitem-createuploadsession#upload-bytes-to-the-upload-session
 */
export async function uploadToConsentedFile(upload: ConsentedUpload, bytes: Buffer, contentType: string): Promise<boolean> {
  try {
    if (new URL(upload.uploadUrl).protocol !== 'https:' || bytes.length === 0) return false;
    const response = await fetch(upload.uploadUrl, {
      method: 'PUT',
      body: new Uint8Array(bytes),
      headers: { 'content-type': contentType, 'content-length': String(bytes.length), 'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}` },
      signal: AbortSignal.timeout(10_000),
    });
    return response.status === 200 || response.status === 201;
  } catch {
    return false;
  }
}

/** The card that shows an uploaded file in the chat (open, preview, download). */
export function fileInfoCard(upload: ConsentedUpload): Attachment {
  return { contentType: FILE_INFO_CARD, name: upload.name, contentUrl: upload.contentUrl, content: { uniqueId: upload.uniqueId, fileType: upload.fileType } };
}
