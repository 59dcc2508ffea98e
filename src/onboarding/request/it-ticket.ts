/** The IT channel's ticket for a request: account facts and decisions, never a secret. */
import { describeProblem } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import type { StoredRequest, Ticket, TicketStatus } from '../kernel/ports.js';
import type { OnboardingRecord } from '../kernel/request-record.js';
import { requireRequest, write } from '../kernel/record-kernel.js';
import { nameRecipient, roleInWords, secretRecipientOf } from '../credentials/secret-recipient.js';
import { say } from '../kernel/sentences.js';
import { templateActions, templateLines } from '../templates/template-ticket.js';

/** `templatesOn`: whether templates are configured (then an account without one can get one from the ticket). */
export function ticketFor(record: OnboardingRecord, status: TicketStatus, at: Date, templatesOn = false): Ticket {
  const request = requireRequest(record);
  const approval = record.approval;
  const recipient = secretRecipientOf(record);
  const guest = record.guest;
  // Nothing of ours to receive when Microsoft emails a guest's invitation.
  const handedOver = !guest || guest.invitation === 'reveal';
  return {
    requestId: record.requestId,
    ticketReference: request.ticketReference,
    // A guest's own user name once Entra made it (…#EXT#@…), their address before.
    userPrincipalName: guest?.userPrincipalName ?? request.userPrincipalName,
    displayName: request.displayName,
    requester: record.requester,
    objectId: record.objectId,
    status,
    at: at.toISOString(),
    notes: [
      ...(record.problem?.code === 'RECIPIENT_UNREACHABLE' ? [say.TICKET_RECIPIENT_UNREACHABLE(nameRecipient(recipient))] : []),
      ...[...record.warnings, ...(record.problem ? [record.problem] : [])].map((p) => `${p.code}: ${p.message}${p.detail ? ` (${p.detail})` : ''}`),
      ...(record.confirmed?.secondAccount ? [say.TICKET_SECOND_ACCOUNT(record.confirmed.secondAccount.earlierUserPrincipalName, record.confirmed.secondAccount.why)] : []),
      ...(record.confirmed?.startDate ? [say.TICKET_START_DATE_CONFIRMED(record.confirmed.startDate.startDate, record.confirmed.startDate.why)] : []),
      ...(record.welcomeMail?.state === 'sent' ? [say.WELCOME_MAIL_SENT(record.welcomeMail.to)] : []),
      ...templateLines(record),
      ...(record.reissue ? [say.TICKET_REISSUED(record.reissue.by.name, record.credentials?.recipient.name ?? record.requester.name)] : []),
    ],
    credentialsGeneration: record.credentials?.generation,
    ...(handedOver ? { recipient: { name: recipient.name, role: recipient.members ? say.RECIPIENT_GROUP_ROLE(recipient.members.length) : roleInWords(recipient.role) } } : {}),
    ...(guest ? {
      guest: {
        email: guest.email,
        invitation: say.INVITATION_IN_WORDS(guest.invitedAt ? guest.state ?? 'PendingAcceptance' : 'not-sent', guest.invitation, guest.email, nameRecipient(recipient)),
        sponsor: guest.sponsor === 'set' ? record.requester.name : undefined,
      },
    } : {}),
    ...(request.endDate ? { endDate: request.endDate } : {}),
    ...(approval?.decidedBy ? { decision: { by: approval.decidedBy.name, reason: approval.reason } } : {}),
    template: templateActions({ ...record, status: status === 'done' || status === 'failed' ? status : record.status }, templatesOn),
  };
}

/**
 * Posts the ticket, or updates the one already posted, and remembers its message id. When
 * the channel can't be reached the request goes on, with a warning the requester sees.
 * Null when another run changed the record meanwhile.
 */
export async function postTicket(deps: OnboardingDependencies, stored: StoredRequest, status: TicketStatus): Promise<StoredRequest | null> {
  const sent = await sendTicket(deps, stored.record, status);
  return write(deps, stored, stored.record.status, sent.changes, sent.event, sent.details);
}

/** Posts (or updates) the ticket and says what to note in the record and the audit trail, for the caller to write. */
export async function sendTicket(
  deps: OnboardingDependencies, record: OnboardingRecord, status: TicketStatus,
): Promise<{ readonly changes: Partial<OnboardingRecord>; readonly event: string; readonly details: Record<string, string> }> {
  const ticket = ticketFor(record, status, deps.clock.now(), !!deps.templates);
  const outcome = record.ticketMessageId
    ? await deps.tickets.updateTicket(record.ticketMessageId, ticket)
    : await deps.tickets.postTicket(ticket);
  if (outcome.kind === 'posted') return { changes: { ticketMessageId: outcome.messageId }, event: 'ticket.posted', details: { status } };
  const warning = describeProblem('TICKET_NOT_POSTED', record.correlationId, { detail: outcome.reason });
  return { changes: { warnings: [...record.warnings, warning] }, event: 'ticket.failed', details: { reason: outcome.reason } };
}
