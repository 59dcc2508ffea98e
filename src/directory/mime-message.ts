/**
 * The welcome mail as one MIME message (RFC 5322 + 2045–2047): a multipart/alternative with
 * the plain-text and the HTML rendering (base64 bodies), so every mail client shows one of
 * them. Graph's sendMail takes it base64-encoded with Content-Type text/plain
 * (https://learn.microsoft.com/en-us/graph/api/user-sendmail).
 *
 * Built by nodemailer's MailComposer, not by hand: a display name is a person's text, and
 * RFC 5322 §3.4 says how it may stand beside an address — a quoted-string with `"` and `\`
 * escaped when it holds any special (`( ) < > [ ] : ; @ \ , .` or `"`), an RFC 2047 encoded
 * word when it is not printable ASCII, and never raw — and headers are folded at 76
 * characters. A name written raw once let "Liv Sandberg <evil@attacker.example>, x" add a
 * recipient (issue 26). The addresses themselves are ours (validated before they get here);
 * one that is not a single plain address stops the build instead of being rewritten.
 */
import MailComposer from 'nodemailer/lib/mail-composer';

export interface MimeMail {
  readonly from: string;
  readonly to: { readonly address: string; readonly name?: string | undefined };
  readonly cc?: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

// One addr-spec with a dot-atom local part (RFC 5322 §3.2.3, §3.4.1): nothing a header could read as a second address.
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

function plainAddress(address: string): string {
  if (!PLAIN_ADDRESS.test(address)) throw new Error('a welcome mail address must be one plain address (name@domain)');
  return address;
}

/** The message, base64-encoded: the body of POST /users/{id}/sendMail with Content-Type text/plain. */
export async function mimeMessage(mail: MimeMail): Promise<string> {
  const body = (content: string, type: string) => ({ content, contentType: `${type}; charset=utf-8`, contentTransferEncoding: 'base64' });
  const composer = new MailComposer({
    from: plainAddress(mail.from),
    to: { address: plainAddress(mail.to.address), name: mail.to.name ?? '' },
    ...(mail.cc ? { cc: plainAddress(mail.cc) } : {}),
    subject: mail.subject,
    text: body(mail.text, 'text/plain'),
    html: body(mail.html, 'text/html'),
    // Encoded words in base64 ('B'), as Exchange and every client read them; nothing is read from files or URLs.
    textEncoding: 'B',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const message = await composer.compile().build();
  return message.toString('base64');
}
