/** Azure Storage adapters: requests in Blob Storage (RequestStore), the audit trail in Table Storage (AuditLog). */
export * from './blob-request-store.js';
export * from './table-audit-log.js';
export * from './audit-csv.js';
export * from './errors.js';
export * from './reachability.js';
export * from './blob-rate-limiter.js';
export * from './table-credential-store.js';
export * from './storage-account.js';
export * from './key-vault-sealing-key.js';
export * from './blob-bulk-job-store.js';
export * from './unfinished-request-index.js';
export * from './table-template-store.js';
