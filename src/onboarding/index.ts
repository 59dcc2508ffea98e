/**
 * The onboarding domain, a folder per capability, and this file the one door the edge comes
 * in by. kernel/: the request record and its kernel, the ports, dependencies, errors and the
 * catalog of every sentence a person reads. rules/: user name, password, manager name, roles,
 * rate limit, confirmations, message size, the policy. request/: the use cases of a single
 * request, one file each (review, submit, process with create-account, decide an approval,
 * resume, status, audit trail), bound for the edge by request-desk. credentials/: seal, hand
 * over, reveal, reissue, the welcome mail. templates/, guests/, bulk/: the capabilities on top.
 * No SDK lives here.
 */
export * from './kernel/errors.js';
export * from './kernel/sentences.js';
export * from './credentials/secret.js';
export * from './kernel/ports.js';
export * from './bulk/bulk-ports.js';
export * from './rules/policy.js';
export * from './kernel/dependencies.js';
export * from './request/request.js';
export * from './rules/manager-name.js';
export * from './credentials/secret-recipient.js';
export * from './rules/user-name.js';
export * from './request/user-name-check.js';
export * from './rules/password.js';
export * from './kernel/request-record.js';
export * from './request/it-ticket.js';
export * from './rules/confirmations.js';
export * from './request/review-request.js';
export * from './request/submit-request.js';
export * from './request/process-request.js';
export { userDraftFrom } from './request/create-account.js';
export * from './request/decide-approval.js';
export * from './credentials/credentials.js';
export * from './credentials/hand-over-credentials.js';
export * from './credentials/send-welcome-email.js';
export * from './credentials/reveal-credentials.js';
export * from './credentials/reissue-credentials.js';
export * from './request/resume-requests.js';
export * from './request/request-status.js';
export * from './request/read-audit-trail.js';
export * from './request/request-desk.js';
export * from './credentials/secret-vault.js';
export * from './kernel/node-clock-and-random.js';
export * from './rules/roles.js';
export * from './kernel/refusals.js';
export * from './rules/rate-limit.js';
export * from './bulk/bulk-rows.js';
export * from './bulk/bulk-job.js';
export * from './bulk/bulk-request.js';
export * from './bulk/run-bulk.js';
export * from './bulk/bulk-reveal.js';
export * from './bulk/bulk-confirmations.js';
export * from './bulk/bulk-pace.js';
export { contentsOfRow } from './bulk/bulk-hand-over.js';
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
export * from './rules/message-size.js';
export * from './guests/ports.js';
export type { GuestState } from './guests/guest-record.js';
