import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodedWord, mimeMessage } from '../../src/directory/mime-message.js';
import { readMimeMessage } from '../../src/local-tenant/mime.js';

const mail = { from: 'onboarding@contoso.com', to: { address: 'jose@example.org', name: 'José Núñez' }, subject: 'Welcome, José', text: 'Hello José', html: '<p>Hello José</p>' };
const headersOf = (base64: string) => Buffer.from(base64, 'base64').toString('utf8').split('\r\n\r\n')[0]!;

describe('the welcome mail as MIME (what sendMail receives)', () => {
  it('when a mail is built, then it is multipart/alternative with a text and an HTML part that read back as written', () => {
    const read = readMimeMessage(mimeMessage({ ...mail, cc: 'adele.vance@contoso.com' }));
    expect(read).toEqual({
      subject: 'Welcome, José', to: [{ address: 'jose@example.org', name: 'José Núñez' }], cc: [{ address: 'adele.vance@contoso.com' }], bcc: [],
      text: 'Hello José', html: '<p>Hello José</p>',
    });
  });

  it('when a name or subject carries line breaks or any text at all, then no header gets a new line: they are encoded words', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (name, subject) => {
      const headers = headersOf(mimeMessage({ ...mail, to: { address: 'jose@example.org', name }, subject }));
      // Every header line is either a header or a folded continuation of an encoded word.
      for (const line of headers.split('\r\n')) expect(line).toMatch(/^([A-Za-z-]+: |\s=\?UTF-8\?B\?)/);
      expect(headers.split('\r\n').filter((line) => /^Bcc:/i.test(line))).toEqual([]);
    }));
    expect(headersOf(mimeMessage({ ...mail, subject: 'Hi\r\nBcc: all@example.org' }))).not.toMatch(/^Bcc:/m);
  });

  it('when an address carries a line break, then no message is built', () => {
    expect(() => mimeMessage({ ...mail, to: { address: 'jose@example.org\r\nBcc: all@example.org' } })).toThrow(/line breaks/);
  });

  it('when a subject is long and not ASCII, then it is split into encoded words of at most 75 characters that read back whole', () => {
    const subject = 'Willkommen, Jürgen Müller-Lüdenscheidt: Ihr neues Arbeitskonto ist bereit';
    const encoded = encodedWord(subject);
    for (const word of encoded.split('\r\n ')) expect(word.length).toBeLessThanOrEqual(75);
    expect(readMimeMessage(mimeMessage({ ...mail, subject })).subject).toBe(subject);
  });
});
