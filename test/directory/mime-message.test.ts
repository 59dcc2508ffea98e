/**
 * The welcome mail as sendMail's MIME form takes it (base64 of an RFC 5322 message,
 * Content-Type text/plain: https://learn.microsoft.com/en-us/graph/api/user-sendmail), read
 * back by real mail parsers: postal-mime for the whole message, as a mail client or Exchange
 * reads it, and email-addresses for the strict RFC 5322 §3.4 grammar of an address header
 * (https://www.rfc-editor.org/rfc/rfc5322#section-3.4), so a header that only a lenient
 * parser reads as meant fails here too.
 */
import emailAddresses from 'email-addresses';
import fc from 'fast-check';
import PostalMime, { type Address } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { mimeMessage } from '../../src/directory/mime-message.js';

const LIV = 'liv@example.org';
const mail = { from: 'onboarding@contoso.com', to: { address: 'jose@example.org', name: 'José Núñez' }, subject: 'Welcome, José', text: 'Hello José', html: '<p>Hello José</p>' };
const INJECTION = 'Liv Sandberg <evil@attacker.example>, x';

const read = async (base64: string) => PostalMime.parse(Buffer.from(base64, 'base64'));
const headerBlock = (base64: string) => Buffer.from(base64, 'base64').toString('utf8').split('\r\n\r\n')[0]!;
/** Each header of the message, unfolded (RFC 5322 §2.2.3): name in lower case and value. */
const headers = (base64: string) => headerBlock(base64).replace(/\r\n(?=[ \t])/g, '').split('\r\n').map((line) => {
  const colon = line.indexOf(':');
  return { name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).trim() };
});
/** Every mailbox an address header names, the members of a group included. */
const mailboxes = (addresses: readonly Address[] | undefined) => (addresses ?? []).flatMap((a) => (a.group ? a.group : [a]));
/** The addresses of a header by the strict RFC 5322 grammar (null: not a valid address list). */
function strictAddresses(base64: string, name: string): string[] | null {
  const found = headers(base64).filter((h) => h.name === name);
  if (found.length !== 1) return null;
  const list = emailAddresses.parseAddressList({ input: found[0]!.value, rfc6532: true, strict: true });
  return list === null ? null : list.flatMap((a) => (a.type === 'group' ? a.addresses : [a])).map((a) => a.address);
}
const toLiv = (name: string) => mimeMessage({ ...mail, to: { address: LIV, name } });

describe('the welcome mail\'s To header holds exactly the one intended address, whatever the display name (RFC 5322 §3.4; https://learn.microsoft.com/en-us/graph/api/user-sendmail)', () => {
  it('when the display name carries an address and a comma (Liv Sandberg <evil@attacker.example>, x), then the mail goes to Liv\'s address only and the name reads back as written', async () => {
    const message = await toLiv(INJECTION);
    const parsed = await read(message);
    expect(parsed.to).toEqual([{ address: LIV, name: INJECTION }]);
    expect([...mailboxes(parsed.cc), ...mailboxes(parsed.bcc)]).toEqual([]);
    expect(strictAddresses(message, 'to')).toEqual([LIV]);
  });

  it('when the display name is written surname first with a comma (Sandberg, Liv), then the To header is still one address', async () => {
    const message = await toLiv('Sandberg, Liv');
    expect((await read(message)).to).toEqual([{ address: LIV, name: 'Sandberg, Liv' }]);
    expect(strictAddresses(message, 'to')).toEqual([LIV]);
  });

  it('when the display name holds quotes, backslashes, parentheses, a line break or an encoded word of its own, then each is one address and the name reads back', async () => {
    for (const name of ['x\\", <evil@attacker.example>, \\"y', '"', '\\', 'Liv (contractor) Sandberg', 'Liv\r\nBcc: all@example.org', '=?UTF-8?B?ZXZpbEBhdHRhY2tlci5leGFtcGxl?= <evil@attacker.example>', 'José Núñez']) {
      const message = await toLiv(name);
      const parsed = await read(message);
      expect(mailboxes(parsed.to).map((m) => m.address), name).toEqual([LIV]);
      expect([...mailboxes(parsed.cc), ...mailboxes(parsed.bcc)], name).toEqual([]);
      expect(strictAddresses(message, 'to'), name).toEqual([LIV]);
    }
  });

  it('when the display name is any text at all, then a mail parser and the RFC 5322 grammar both find exactly the one intended address in To, and no Cc or Bcc', async () => {
    const specials = fc.constantFrom(...'()<>[]:;@\\,."\'=? \t\r\n'.split(''), '=?UTF-8?B?', '?=', 'evil@attacker.example', 'é', '😀');
    const names = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(fc.oneof(specials, fc.string({ maxLength: 4 })), { maxLength: 20 }).map((parts) => parts.join('')),
    );
    await fc.assert(fc.asyncProperty(names, async (name) => {
      const message = await toLiv(name);
      const parsed = await read(message);
      expect(mailboxes(parsed.to).map((m) => m.address)).toEqual([LIV]);
      expect([...mailboxes(parsed.cc), ...mailboxes(parsed.bcc)]).toEqual([]);
      expect(strictAddresses(message, 'to')).toEqual([LIV]);
    }), { numRuns: 300 });
  });

  it('when the display name is printable text, then it reads back as written (spaces aside)', async () => {
    const printable = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((name) => !/[\p{Cc}\p{Cs}]/u.test(name));
    const spaced = (text: string) => text.replace(/\s+/g, ' ').trim();
    await fc.assert(fc.asyncProperty(printable, async (name) => {
      const [to] = mailboxes((await read(await toLiv(name))).to);
      expect(spaced(to?.name ?? '')).toBe(spaced(name));
    }), { numRuns: 200 });
  });
});

describe('the welcome mail\'s other headers (RFC 5322 §2.2, §3.6; RFC 2047 encoded words)', () => {
  it('when a mail is built, then it is multipart/alternative with a text and an HTML part that read back as written, from the service mailbox, with the manager in Cc', async () => {
    const parsed = await read(await mimeMessage({ ...mail, cc: 'adele.vance@contoso.com' }));
    expect(parsed.from).toEqual({ address: 'onboarding@contoso.com', name: '' });
    expect(parsed.to).toEqual([{ address: 'jose@example.org', name: 'José Núñez' }]);
    expect(parsed.cc).toEqual([{ address: 'adele.vance@contoso.com', name: '' }]);
    expect(parsed.bcc ?? []).toEqual([]);
    expect(parsed.subject).toBe('Welcome, José');
    expect(parsed.text).toBe('Hello José');
    expect(parsed.html).toBe('<p>Hello José</p>');
    expect(headers(await mimeMessage(mail)).find((h) => h.name === 'content-type')?.value).toMatch(/^multipart\/alternative;/);
  });

  it('when a subject or name carries line breaks or any text at all, then the message has exactly its own headers, each on its own line of at most 78 characters', async () => {
    const required = ['content-type', 'date', 'from', 'message-id', 'mime-version', 'to'];
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 40 }), async (subject, name) => {
      const message = await mimeMessage({ ...mail, to: { address: LIV, name }, subject });
      // A blank subject may leave the Subject header out; nothing else comes or goes, and none comes twice.
      const names = headers(message).map((h) => h.name);
      expect(names.filter((n) => n !== 'subject').sort()).toEqual(required);
      const subjects = names.filter((n) => n === 'subject').length;
      expect(subjects).toBeLessThanOrEqual(1);
      if (/\S/.test(subject)) expect(subjects).toBe(1);
      for (const line of headerBlock(message).split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
      expect((await read(message)).subject ?? '').not.toMatch(/[\r\n]/);
    }), { numRuns: 200 });
    const injected = await mimeMessage({ ...mail, subject: 'Hi\r\nBcc: all@example.org' });
    expect(headers(injected).map((h) => h.name)).not.toContain('bcc');
    expect(mailboxes((await read(injected)).bcc)).toEqual([]);
  });

  it('when the subject is long and not ASCII, then it reads back whole', async () => {
    const subject = 'Willkommen, Jürgen Müller-Lüdenscheidt: Ihr neues Arbeitskonto ist bereit';
    expect((await read(await mimeMessage({ ...mail, subject }))).subject).toBe(subject);
  });

  it('when an address (To, From or Cc) is not one plain address, then no message is built', async () => {
    for (const address of ['jose@example.org\r\nBcc: all@example.org', 'jose@example.org, evil@attacker.example', 'Evil <evil@attacker.example>', '"a,b"@example.org', 'jose']) {
      await expect(mimeMessage({ ...mail, to: { address } }), address).rejects.toThrow(/one plain address/);
      await expect(mimeMessage({ ...mail, from: address }), address).rejects.toThrow(/one plain address/);
      await expect(mimeMessage({ ...mail, cc: address }), address).rejects.toThrow(/one plain address/);
    }
  });
});
