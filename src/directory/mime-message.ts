/**
 * The welcome mail as one MIME message (RFC 5322 + 2045–2047): a multipart/alternative with
 * the plain-text and the HTML rendering, so every mail client shows one of them. Graph's
 * sendMail takes it base64-encoded with Content-Type text/plain. Every header value is
 * either a validated address or an RFC 2047 encoded word: no CR/LF can reach a header.
 */
import { randomUUID } from 'node:crypto';

export interface MimeMail {
  readonly from: string;
  readonly to: { readonly address: string; readonly name?: string | undefined };
  readonly cc?: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An RFC 2047 encoded word (UTF-8, base64) for a header; plain ASCII words stay as they are. */
export function encodedWord(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7E]*$/.test(oneLine) && !/=\?/.test(oneLine)) return oneLine;
  // Encoded words are at most 75 characters: split the text into chunks that stay under it.
  const words: string[] = [];
  let chunk = '';
  for (const char of oneLine) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join('\r\n ');
}

function mailbox(address: string, name?: string): string {
  if (/[\r\n<>]/.test(address)) throw new Error('an address may not carry line breaks or angle brackets');
  return name ? `${encodedWord(name)} <${address}>` : `<${address}>`;
}

function base64Lines(text: string): string {
  return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** The message, base64-encoded: the body of POST /users/{id}/sendMail with Content-Type text/plain. */
export function mimeMessage(mail: MimeMail, boundary = `=_welcome_${randomUUID()}`): string {
  const part = (type: string, content: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(content)}\r\n`;
  const message = [
    `From: ${mailbox(mail.from)}`,
    `To: ${mailbox(mail.to.address, mail.to.name)}`,
    ...(mail.cc ? [`Cc: ${mailbox(mail.cc)}`] : []),
    `Subject: ${encodedWord(mail.subject)}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    part('text/plain', mail.text) + part('text/html', mail.html) + `--${boundary}--\r\n`,
  ].join('\r\n');
  return Buffer.from(message, 'utf8').toString('base64');
}
