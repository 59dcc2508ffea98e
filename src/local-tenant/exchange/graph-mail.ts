/**
 * Exchange Online's side of POST /users/{id | userPrincipalName}/sendMail (user-sendmail.md),
 * in both forms: JSON (`{message, saveToSentItems}`) and MIME (a base64 RFC 5322 message,
 * Content-Type text/plain; 400 ErrorMimeContentInvalidBase64String when it is not base64).
 * 202 Accepted with no body; the sender must have an Exchange Online mailbox (seeded users
 * marked `"mailbox": true`; users created through Graph are unlicensed and have none:
 * 404 MailboxNotEnabledForRESTAPI); 400 ErrorInvalidRecipients for missing or unresolvable
 * recipients, 400 for a malformed message; 403 ErrorAccessDenied without Mail.Send. What was
 * sent lands in an outbox that /_tenant/outbox shows (people and tests read it there).
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryState, SentMail } from '../directory.js';
import { readMimeMessage, type ReadMime } from './mime.js';
import { GraphError, type ApiResponse } from '../responses.js';

/**
 * A sendMail body sent in the MIME form (Content-Type text/plain), read as it arrives (the
 * parser is asynchronous, the Graph operations are not): the message, or the 400 Exchange
 * answers for it once the sender has been checked.
 */
export class MimeContent {
  private constructor(readonly read: ReadMime | GraphError) {}

  static async of(base64: string): Promise<MimeContent> {
    try {
      return new MimeContent(await readMimeMessage(base64));
    } catch (error) {
      if (error instanceof GraphError) return new MimeContent(error);
      throw error;
    }
  }
}

/** True when a request is sendMail's MIME form, whose body is not JSON. */
export function isMimeSendMail(method: string, graphPath: string, contentType: string | undefined): boolean {
  return method.toUpperCase() === 'POST' && /\/sendMail$/i.test(graphPath) && /^text\/plain\b/i.test(contentType ?? '');
}

/** The outbox keeps the most recent mails only. */
export const OUTBOX_LIMIT = 500;

const MESSAGE_PROPERTIES = new Set(['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'importance', 'from']);
// What Exchange resolves as an SMTP address: one local part, one domain with a dot.
const SMTP_ADDRESS = /^[^\s@<>(),;:"[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Exchange's answer when the app lacks Mail.Send (not the directory's Authorization_RequestDenied). */
export const accessDenied = (): GraphError => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

export interface MailTenant {
  state(): DirectoryState;
  save(): void;
}

export function sendMail(tenant: MailTenant, key: string, body: unknown, now: Date): ApiResponse {
  const state = tenant.state();
  const decoded = decodeURIComponent(key).replace(/^\('(.*)'\)$/, '$1').toLowerCase();
  const sender = state.users.find((user) => user.deletedDateTime === null && (user.id === decoded || user.userPrincipalName.toLowerCase() === decoded));
  if (!sender) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${decodeURIComponent(key)}' is invalid.`);
  if (!(state.mailboxes ?? []).includes(sender.id)) throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'REST API is not yet supported for this mailbox.');

  if (body instanceof MimeContent) return deliver(tenant, sender.userPrincipalName, readMime(body), true, now);
  const fields = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (name !== 'message' && name !== 'saveToSentItems') {
      throw new GraphError(400, 'RequestBodyRead', `The parameter '${name}' in the request payload is not a valid parameter for the operation 'sendMail'.`);
    }
  }
  const message = fields['message'];
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new GraphError(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  }
  const saveToSentItems = fields['saveToSentItems'] ?? true;
  if (typeof saveToSentItems !== 'boolean') throw new GraphError(400, 'RequestBodyRead', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
  return deliver(tenant, sender.userPrincipalName, readMessage(message as Record<string, unknown>), saveToSentItems, now);
}

function deliver(tenant: MailTenant, from: string, mail: ReadMessage, savedToSentItems: boolean, now: Date): ApiResponse {
  checkRecipients([...mail.toRecipients, ...mail.ccRecipients, ...mail.bccRecipients]);
  addToOutbox(tenant.state(), from, mail, savedToSentItems, now);
  tenant.save();
  return { status: 202, headers: {} };
}

/** A mail as its recipients get it, kept in the outbox (the newest OUTBOX_LIMIT). */
export function addToOutbox(state: DirectoryState, from: string, mail: ReadMessage, savedToSentItems: boolean, now: Date): void {
  state.outbox = [...(state.outbox ?? []), { id: randomUUID(), from, sentDateTime: now.toISOString(), savedToSentItems, ...mail }].slice(-OUTBOX_LIMIT);
}

/** The MIME form: recipients from To/Cc/Bcc, the HTML part as the body and the plain-text part beside it. */
function readMime(content: MimeContent): ReadMessage {
  if (content.read instanceof GraphError) throw content.read;
  const mime = content.read;
  return {
    subject: mime.subject,
    body: mime.html !== undefined ? { contentType: 'HTML', content: mime.html } : { contentType: 'Text', content: mime.text ?? '' },
    ...(mime.html !== undefined && mime.text !== undefined ? { textBody: mime.text } : {}),
    toRecipients: mime.to, ccRecipients: mime.cc, bccRecipients: mime.bcc,
  };
}

function checkRecipients(all: readonly { address: string }[]): void {
  if (all.length === 0) throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is required, but none were found.');
  const unresolved = all.find((recipient) => !SMTP_ADDRESS.test(recipient.address));
  if (unresolved) {
    throw new GraphError(400, 'ErrorInvalidRecipients',
      `At least one recipient is not valid., Recipient '${unresolved.address}' is not resolved. All recipients must be resolved before a message can be submitted.`);
  }
}

export type ReadMessage = Omit<SentMail, 'id' | 'from' | 'sentDateTime' | 'savedToSentItems'>;

function readMessage(message: Record<string, unknown>): ReadMessage {
  for (const name of Object.keys(message)) {
    if (!MESSAGE_PROPERTIES.has(name)) {
      throw new GraphError(400, 'RequestBodyRead', `The property '${name}' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
    }
  }
  const subject = message['subject'] ?? '';
  if (typeof subject !== 'string') throw new GraphError(400, 'RequestBodyRead', "Cannot convert the literal to the expected type 'Edm.String' (subject).");
  const body = (message['body'] ?? { contentType: 'Text', content: '' }) as Record<string, unknown>;
  const contentType = typeof body['contentType'] === 'string' ? body['contentType'].toLowerCase() : 'text';
  if (typeof body !== 'object' || (contentType !== 'text' && contentType !== 'html') || typeof (body['content'] ?? '') !== 'string') {
    throw new GraphError(400, 'RequestBodyRead', "Cannot convert the body: contentType must be 'Text' or 'HTML' and content a string.");
  }
  const toRecipients = recipients(message['toRecipients'], 'toRecipients');
  const ccRecipients = recipients(message['ccRecipients'], 'ccRecipients');
  const bccRecipients = recipients(message['bccRecipients'], 'bccRecipients');
  return {
    subject,
    body: { contentType: contentType === 'html' ? 'HTML' : 'Text', content: String(body['content'] ?? '') },
    toRecipients, ccRecipients, bccRecipients,
  };
}

function recipients(value: unknown, property: string): { address: string; name?: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new GraphError(400, 'RequestBodyRead', `A node of type 'StartObject' was read where a collection was expected (${property}).`);
  return value.map((entry) => {
    const emailAddress = (entry as { emailAddress?: { address?: unknown; name?: unknown } } | null)?.emailAddress;
    if (!emailAddress || typeof emailAddress.address !== 'string') {
      throw new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., A recipient in ${property} has no emailAddress.address.`);
    }
    return { address: emailAddress.address, ...(typeof emailAddress.name === 'string' ? { name: emailAddress.name } : {}) };
  });
}
