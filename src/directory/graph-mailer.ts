/**
 * The WelcomeMailer port over Graph: POST /users/{service mailbox}/sendMail with the
 * application permission Mail.Send (which an Exchange admin limits to that one mailbox, see
 * README). The mail goes in sendMail's MIME form, so it carries both the HTML and the
 * plain-text rendering (the JSON form takes one body). Sent once per call: sendMail has no
 * idempotency key, so the transport never resends it (RetryHandler off) and a lost answer
 * is `ambiguous`, for the workflow to decide.
 */
import { GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { MailOutcome, WelcomeMail, WelcomeMailer } from '../onboarding/index.js';
import { createGraphClient, userPath, type GraphDirectoryOptions } from './graph-directory.js';
import { errorBody, isIdentityFailure, requestIdOf, retryAfterSeconds } from './graph-errors.js';
import { renderMail, type MailView, type RenderedMail } from './mail-template.js';
import { mimeMessage } from './mime-message.js';

export interface GraphMailerOptions extends Pick<GraphDirectoryOptions, 'baseUrl' | 'tenantId' | 'credential' | 'authorityHost' | 'disableInstanceDiscovery'> {
  /** The service mailbox the mail is sent from (its UPN); it needs an Exchange Online mailbox. */
  readonly from: string;
  /** Budget of one sendMail; one that times out is ambiguous. Default 30 s. */
  readonly requestTimeoutMs?: number | undefined;
  /** Where welcome.html is (tests); default adaptiveCards/mail/. */
  readonly templatesDirectory?: string | undefined;
}

/** What the template may use: names, dates and people; the port gives it no secret to show. */
export function welcomeMailView(mail: WelcomeMail): MailView {
  const startDate = mail.startDate
    ? new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${mail.startDate}T00:00:00Z`))
    : '';
  return {
    givenName: mail.givenName,
    displayName: mail.displayName,
    userPrincipalName: mail.userPrincipalName,
    startDate,
    hasStartDate: startDate !== '',
    secretHolder: mail.secretHolder,
    contact: mail.contact,
    ticketReference: mail.ticketReference,
    password: mail.contents !== 'tap',
    temporaryAccessPass: mail.contents !== 'password',
  };
}

/** Maps a failed sendMail to an outcome: only what surely did not reach Exchange is `refused` or `throttled`. */
export function classifySendMailFailure(error: unknown): MailOutcome {
  if (isIdentityFailure(error)) return { kind: 'refused', reason: 'permission', detail: 'the bot could not sign in' };
  if (!(error instanceof GraphError)) return { kind: 'ambiguous', detail: error instanceof Error ? error.name : 'unknown failure' };
  const graphRequestId = requestIdOf(error);
  const code = errorBody(error).code ?? error.code ?? '';
  const detail = `${error.statusCode} ${code}`.trim();
  switch (error.statusCode) {
    case 429: return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), graphRequestId, detail };
    case 401: case 403: return { kind: 'refused', reason: 'permission', graphRequestId, detail };
    case 404: return { kind: 'refused', reason: 'no-mailbox', graphRequestId, detail };
    case 400: return { kind: 'refused', reason: /recipient/i.test(code) ? 'recipient' : 'invalid', graphRequestId, detail };
    // 5xx, -1 (reset, timeout): Exchange may have taken it.
    default: return { kind: 'ambiguous', graphRequestId, detail };
  }
}

export function createGraphMailer(options: GraphMailerOptions): WelcomeMailer {
  const client = createGraphClient(options);
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  return {
    async sendWelcome(mail: WelcomeMail): Promise<MailOutcome> {
      let rendered: RenderedMail;
      try {
        rendered = renderMail('welcome', welcomeMailView(mail), options.templatesDirectory);
      } catch (error) {
        // Nothing left: a template someone broke is a refusal, not a maybe-sent mail.
        return { kind: 'refused', reason: 'template', detail: error instanceof Error ? error.message.slice(0, 200) : 'unreadable template' };
      }
      let message: string;
      try {
        message = await mimeMessage({
          from: options.from, to: { address: mail.to, name: mail.displayName }, cc: mail.copyTo,
          subject: rendered.subject, text: rendered.text, html: rendered.html,
        });
      } catch (error) {
        // Nothing left either: an address that is not one plain address is refused, never rewritten.
        return { kind: 'refused', reason: 'recipient', detail: error instanceof Error ? error.message.slice(0, 200) : 'unusable address' };
      }
      try {
        await client
          .api(`${userPath(options.from)}/sendMail`)
          // Never resent by the transport: a resend after a lost 202 is a second mail.
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .option('signal', AbortSignal.timeout(timeoutMs))
          // The MIME form; Exchange keeps a copy in the service mailbox's Sent Items: how IT checks an unconfirmed send.
          .header('Content-Type', 'text/plain')
          .post(message);
        return { kind: 'sent' };
      } catch (error) {
        return classifySendMailFailure(error);
      }
    },
  };
}
