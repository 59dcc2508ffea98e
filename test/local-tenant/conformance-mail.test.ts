import { describe, expect, it } from 'vitest';
import { conformanceSession, graphClient, graphFailure, rawGraph, secretCredential } from './target.js';

// Sending mail as a user (the service mailbox the welcome email comes from).
const SEND_MAIL = 'https://learn.microsoft.com/en-us/graph/api/user-sendmail';

const session = conformanceSession();
const sendMail = (from: string, body: unknown) => rawGraph(session.target, `/users/${encodeURIComponent(from).replace('%40', '@')}/sendMail`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const message = (overrides: Record<string, unknown> = {}) => ({
  message: {
    subject: 'Conformance', body: { contentType: 'Text', content: 'A conformance test mail.' },
    toRecipients: [{ emailAddress: { address: 'nobody@example.com' } }], ...overrides,
  },
  saveToSentItems: false,
});

describe(`sendMail (${SEND_MAIL})`, () => {
  it('when a user with a mailbox sends a message, then 202 Accepted with no body', async () => {
    const response = await sendMail(session.target.mailbox, message());
    expect(response.status).toBe(202);
    expect(response.body).toBeUndefined();
  });

  it('when the sender is a newly created (unlicensed) user, then 404 MailboxNotEnabledForRESTAPI', async () => {
    const user = await session.createUser();
    const response = await sendMail(user.userPrincipalName, message());
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('MailboxNotEnabledForRESTAPI');
    expect(response.headers.get('request-id')).toEqual(expect.any(String));
  });

  it('when the message has no recipient, then 400 ErrorInvalidRecipients', async () => {
    const response = await sendMail(session.target.mailbox, message({ toRecipients: [] }));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ErrorInvalidRecipients');
  });

  it('when a recipient is not an address, then 400 ErrorInvalidRecipients naming it', async () => {
    const response = await sendMail(session.target.mailbox, message({ toRecipients: [{ emailAddress: { address: 'not an address' } }] }));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ErrorInvalidRecipients');
    expect(response.body.error.message).toContain('not an address');
  });

  it('when the body has no message, then 400 and nothing is sent', async () => {
    const response = await sendMail(session.target.mailbox, { saveToSentItems: false });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toEqual(expect.any(String));
  });

  it('when the message carries a property a message does not have, then 400 RequestBodyRead', async () => {
    const response = await sendMail(session.target.mailbox, message({ password: 'x' }));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('RequestBodyRead');
  });

  it('when the app lacks Mail.Send, then 403 ErrorAccessDenied through the SDK', async () => {
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api(`/users/${session.target.mailbox}/sendMail`).post(message()));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('ErrorAccessDenied');
  });

  it('when the message is sent in MIME form (base64, Content-Type text/plain), then 202 Accepted', async () => {
    const mime = Buffer.from([
      'To: <nobody@example.com>', 'Subject: Conformance', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'A conformance test mail.', '',
    ].join('\r\n')).toString('base64');
    const response = await rawGraph(session.target, `/users/${session.target.mailbox}/sendMail`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: mime });
    expect(response.status).toBe(202);
  });

  it('when the MIME form is not base64, then 400 ErrorMimeContentInvalidBase64String', async () => {
    const response = await rawGraph(session.target, `/users/${session.target.mailbox}/sendMail`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'To: <nobody@example.com>\r\n\r\nnot base64' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ErrorMimeContentInvalidBase64String');
  });
});
