/**
 * Reading a MIME message as Exchange takes it in sendMail's MIME form (base64 of an RFC 5322
 * message, Content-Type text/plain; https://learn.microsoft.com/en-us/graph/api/user-sendmail)
 * with real parsers, not by hand. postal-mime reads the message: headers, RFC 2047 encoded
 * words, a single-part or multipart body and its transfer encodings. The recipients are what
 * the To, Cc and Bcc headers say by the RFC 5322 §3.4 grammar (email-addresses, obsolete
 * syntax accepted as §4 asks of receivers): quoted-strings with their escapes, comments,
 * groups (every member is a recipient). So a display name written raw shows as the extra
 * recipient Exchange would deliver to. postal-mime's own address reader is not used for
 * them: it folds "Sandberg, Liv <liv@example.org>" into one mailbox, a leniency Exchange is
 * not documented to have and the very defect (a name written unquoted) it would hide; a
 * header the grammar cannot read is refused as unresolvable recipients.
 */
import emailAddresses from 'email-addresses';
import PostalMime, { decodeWords } from 'postal-mime';
import { GraphError } from '../responses.js';

export interface ReadMime {
  subject: string;
  to: { address: string; name?: string }[];
  cc: { address: string; name?: string }[];
  bcc: { address: string; name?: string }[];
  html?: string;
  text?: string;
}

const invalidBase64 = (): GraphError => new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
const invalidMime = (detail: string): GraphError => new GraphError(400, 'ErrorMimeContentInvalid', detail);

export async function readMimeMessage(base64: string): Promise<ReadMime> {
  const compact = base64.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw invalidBase64();
  let mail: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    mail = await PostalMime.parse(Buffer.from(compact, 'base64'));
  } catch {
    throw invalidMime('The MIME content could not be read.');
  }
  if (mail.headers.length === 0) throw invalidMime('The MIME content has no headers.');
  const contentType = mail.headers.find((header) => header.key === 'content-type')?.value ?? '';
  if (/^\s*multipart\//i.test(contentType) && !/;\s*boundary\s*=/i.test(contentType)) throw invalidMime('A multipart MIME body needs a boundary.');
  const recipients = (key: string) => mailboxes(mail.headers.filter((header) => header.key === key).map((header) => header.value));
  return {
    subject: mail.subject ?? '',
    to: recipients('to'),
    cc: recipients('cc'),
    bcc: recipients('bcc'),
    ...(mail.html !== undefined ? { html: mail.html } : {}),
    ...(mail.text !== undefined ? { text: mail.text } : {}),
  };
}

/** Every mailbox the headers (unfolded values) name, a group's members included, names decoded. */
function mailboxes(values: readonly string[]): { address: string; name?: string }[] {
  return values.flatMap((value) => {
    if (value.trim() === '') return [];
    const list = emailAddresses.parseAddressList({ input: value, rfc6532: true });
    if (!list) {
      throw new GraphError(400, 'ErrorInvalidRecipients',
        `At least one recipient is not valid., Recipient '${value.slice(0, 200)}' is not resolved. All recipients must be resolved before a message can be submitted.`);
    }
    return list.flatMap((entry) => (entry.type === 'group' ? entry.addresses : [entry])).map((mailbox) => {
      const name = mailbox.name ? decodeWords(mailbox.name) : '';
      return { address: mailbox.address, ...(name ? { name } : {}) };
    });
  });
}
