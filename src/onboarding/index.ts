/**
 * The onboarding domain. The use cases, one file each: review-request, submit-request,
 * process-request (with create-account and hand-over-credentials), decide-approval,
 * reveal-credentials, reissue-credentials, resume-requests, request-status,
 * read-audit-trail — bound together for the edge by request-desk. Beside them: the rules
 * (user-name, password, request, manager-name, roles, rate-limit), the request record and
 * its kernel, the ports, and the catalog of every sentence a person reads (sentences).
 * Onboarding templates (groups, licences, defaults per department) live in templates/.
 * No SDK lives here.
 */
export * from './errors.js';
export * from './sentences.js';
export * from './secret.js';
export * from './ports.js';
export * from './bulk-ports.js';
export * from './policy.js';
export * from './dependencies.js';
export * from './request.js';
export * from './manager-name.js';
export * from './secret-recipient.js';
export * from './user-name.js';
export * from './user-name-check.js';
export * from './password.js';
export * from './request-record.js';
export * from './it-ticket.js';
export * from './confirmations.js';
export * from './review-request.js';
export * from './submit-request.js';
export * from './process-request.js';
export { userDraftFrom } from './create-account.js';
export * from './decide-approval.js';
export * from './credentials.js';
export * from './hand-over-credentials.js';
export * from './send-welcome-email.js';
export * from './reveal-credentials.js';
export * from './reissue-credentials.js';
export * from './resume-requests.js';
export * from './request-status.js';
export * from './read-audit-trail.js';
export * from './request-desk.js';
export * from './secret-vault.js';
export * from './node-clock-and-random.js';
export * from './roles.js';
export * from './refusals.js';
export * from './rate-limit.js';
export * from './bulk-rows.js';
export * from './bulk-job.js';
export * from './bulk-request.js';
export * from './run-bulk.js';
export * from './bulk-reveal.js';
export * from './bulk-confirmations.js';
export * from './bulk-pace.js';
export { contentsOfRow } from './bulk-hand-over.js';
// Onboarding templates (groups, licences and defaults per department): templates/.
export * from './templates/ports.js';
export * from './templates/template.js';
export * from './templates/licence-names.js';
export * from './templates/choose-template.js';
export * from './templates/review-template.js';
export * from './templates/apply-template.js';
export * from './templates/template-step.js';
export * from './templates/template-ticket.js';
export * from './templates/template-file.js';
export * from './templates/manage-templates.js';
export * from './templates/ticket-actions.js';
export * from './message-size.js';
export * from './guests/ports.js';
export type { GuestState } from './guests/guest-record.js';
