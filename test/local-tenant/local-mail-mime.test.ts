/**
 * The local tenant reading sendMail's MIME form (https://learn.microsoft.com/en-us/graph/api/user-sendmail,
 * "send message in MIME format") with a real mail parser, as Exchange reads the message: the
 * recipients are whatever the To, Cc and Bcc headers say by RFC 5322 (§3.4 address syntax,
 * §3.6.3 destination fields; https://www.rfc-editor.org/rfc/rfc5322#section-3.4). So a
 * display name written raw shows up here as the extra recipient Exchange would deliver to,
 * and a correctly quoted one as the single recipient it is. Local only: the outbox is the
 * local tenant's.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { localTarget, rawGraph, type ConformanceTarget } from './target.js';

let target: ConformanceTarget & { local: LocalTenant };
beforeAll(async () => {
  target = await localTarget({ throttling: false });
});
afterAll(async () => {
  await target.close();
});
beforeEach(() => {
  target.local.reset();
});

/** Sends an RFC 5322 message with these header lines (CRLF added) and a plain-text body, in the MIME form. */
async function sendMime(headerLines: readonly string[], body = 'A conformance test mail.') {
  const message = [...headerLines, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  return rawGraph(target, `/users/${target.mailbox}/sendMail`, {
    method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from(message, 'utf8').toString('base64'),
  });
}
const lastMail = () => target.local.directory().outbox!.at(-1)!;
const addresses = (recipients: readonly { address: string }[]) => recipients.map((r) => r.address);

describe('sendMail in MIME form: the recipients are what the headers say by RFC 5322 (user-sendmail, MIME; RFC 5322 §3.4, §3.6.3)', () => {
  it('when a display name was written raw and so reads as two mailboxes, then the outbox shows both recipients, as Exchange would deliver to both', async () => {
    expect((await sendMime(['To: Liv Sandberg <evil@attacker.example>, x <liv@example.org>', 'Subject: Welcome'])).status).toBe(202);
    expect(addresses(lastMail().toRecipients)).toEqual(['evil@attacker.example', 'liv@example.org']);
  });

  it('when the display name is a quoted-string holding escaped quotes, commas and an address, then it is one recipient with that name', async () => {
    expect((await sendMime(['To: "x\\", <evil@attacker.example>, \\"y" <liv@example.org>', 'Subject: Welcome'])).status).toBe(202);
    expect(lastMail().toRecipients).toEqual([{ address: 'liv@example.org', name: 'x", <evil@attacker.example>, "y' }]);
  });

  it('when the display name is a quoted "Sandberg, Liv", then it is one recipient', async () => {
    expect((await sendMime(['To: "Sandberg, Liv" <liv@example.org>', 'Subject: Welcome'])).status).toBe(202);
    expect(lastMail().toRecipients).toEqual([{ address: 'liv@example.org', name: 'Sandberg, Liv' }]);
  });

  it('when the display name is an RFC 2047 encoded word or the address carries a comment, then the address is the recipient and the name reads decoded', async () => {
    expect((await sendMime(['To: =?UTF-8?B?Sm9zw6kgTsO6w7Fleg==?= <jose@example.org>, liv@example.org (Liv Sandberg)', 'Subject: Welcome'])).status).toBe(202);
    expect(lastMail().toRecipients[0]).toEqual({ address: 'jose@example.org', name: 'José Núñez' });
    expect(addresses(lastMail().toRecipients)).toEqual(['jose@example.org', 'liv@example.org']);
  });

  it('when a Bcc header line was injected into the header block, then the outbox shows the Bcc recipient', async () => {
    expect((await sendMime(['To: <liv@example.org>', 'Bcc: all@example.org', 'Subject: Welcome'])).status).toBe(202);
    expect(addresses(lastMail().bccRecipients)).toEqual(['all@example.org']);
  });

  it('when a group is named (RFC 5322 §3.4 group), then every member is a recipient', async () => {
    expect((await sendMime(['To: Team: a@example.org, b@example.org;', 'Subject: Welcome'])).status).toBe(202);
    expect(addresses(lastMail().toRecipients)).toEqual(['a@example.org', 'b@example.org']);
  });

  it('when an unquoted comma leaves a part that is no address (To: Sandberg, Liv <liv@example.org>), then 400 ErrorInvalidRecipients and nothing is sent', async () => {
    const response = await sendMime(['To: Sandberg, Liv <liv@example.org>', 'Subject: Welcome']);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ErrorInvalidRecipients');
    expect(target.local.directory().outbox ?? []).toEqual([]);
  });

  it('when a subject is an encoded word and the body is quoted-printable, then both read decoded', async () => {
    const message = ['To: <liv@example.org>', 'Subject: =?UTF-8?Q?Willkommen,_J=C3=BCrgen?=', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable', '', 'Gr=C3=BC=C3=9Fe', ''].join('\r\n');
    const response = await rawGraph(target, `/users/${target.mailbox}/sendMail`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from(message, 'utf8').toString('base64'),
    });
    expect(response.status).toBe(202);
    expect(lastMail().subject).toBe('Willkommen, Jürgen');
    expect(lastMail().body).toEqual({ contentType: 'Text', content: 'Grüße\n' });
  });
});
