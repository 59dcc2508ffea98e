/**
 * Reading a MIME message as Exchange takes it in sendMail's MIME form (base64 of an RFC 5322
 * message, Content-Type text/plain): headers (folded, RFC 2047 encoded words), addresses,
 * and a single-part or multipart/alternative body (base64, quoted-printable or plain).
 * Enough for what a mail client or this bot sends; not a general MIME library.
 */
import { GraphError } from './responses.js';

export interface ReadMime {
  subject: string;
  to: { address: string; name?: string }[];
  cc: { address: string; name?: string }[];
  bcc: { address: string; name?: string }[];
  html?: string;
  text?: string;
}

const invalidBase64 = (): GraphError => new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');

export function readMimeMessage(base64: string): ReadMime {
  const compact = base64.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw invalidBase64();
  const message = Buffer.from(compact, 'base64').toString('utf8');
  const { headers, body } = splitEntity(message);
  if (headers.size === 0) throw new GraphError(400, 'ErrorMimeContentInvalid', 'The MIME content has no headers.');
  const content = readBody(headers, body);
  return {
    subject: decodeWords(headers.get('subject') ?? ''),
    to: addresses(headers.get('to')),
    cc: addresses(headers.get('cc')),
    bcc: addresses(headers.get('bcc')),
    ...content,
  };
}

function splitEntity(entity: string): { headers: Map<string, string>; body: string } {
  const normal = entity.replace(/\r?\n/g, '\r\n');
  const end = normal.indexOf('\r\n\r\n');
  const head = end === -1 ? normal : normal.slice(0, end);
  const body = end === -1 ? '' : normal.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function parameter(headerValue: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(headerValue);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodePart(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return body;
}

function readBody(headers: Map<string, string>, body: string): { html?: string; text?: string } {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = parameter(type, 'boundary');
    if (!boundary) throw new GraphError(400, 'ErrorMimeContentInvalid', 'A multipart MIME body needs a boundary.');
    const found: { html?: string; text?: string } = {};
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitEntity(chunk.replace(/^\r\n/, ''));
      const inner = readBody(part.headers, part.body.replace(/\r\n$/, ''));
      found.html ??= inner.html;
      found.text ??= inner.text;
    }
    return found;
  }
  const content = decodePart(headers, body);
  return mediaType === 'text/html' ? { html: content } : { text: content };
}

function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, kind: string, text: string) => (kind.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')));
}

function addresses(value: string | undefined): { address: string; name?: string }[] {
  if (!value) return [];
  return value.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const angle = /^(.*)<([^>]*)>\s*$/.exec(entry);
    if (!angle) return { address: entry };
    const name = decodeWords(angle[1]!.trim().replace(/^"(.*)"$/, '$1'));
    return { address: angle[2]!.trim(), ...(name ? { name } : {}) };
  });
}
