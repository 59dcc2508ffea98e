/**
 * Errors of the storage adapters. They are unexpected (a bug, a damaged blob, a refused
 * event), so they throw; each has a stable code for logs and the turn-error handler.
 * Messages name the blob, row or field, never a stored value (it could be a secret).
 */
export type StorageErrorCode =
  | 'INVALID_REQUEST_ID'
  | 'STORED_REQUEST_UNREADABLE'
  | 'AUDIT_EVENT_INVALID'
  | 'AUDIT_EVENT_CONTAINS_SECRET_FIELD'
  | 'AUDIT_EVENT_ALREADY_RECORDED'
  | 'AUDIT_ROW_UNREADABLE';

export class StorageAdapterError extends Error {
  override readonly name: string = 'StorageAdapterError';
  constructor(readonly code: StorageErrorCode, message: string) {
    super(message);
  }
}

/** A request id that can't be a blob name segment (path characters, empty, too long). */
export class InvalidRequestIdError extends StorageAdapterError {
  override readonly name = 'InvalidRequestIdError';
  constructor(readonly requestId: string) {
    super('INVALID_REQUEST_ID', `Request id ${JSON.stringify(requestId.slice(0, 80))} is not a safe token: use 1–128 of A–Z a–z 0–9 . _ : - starting with a letter or digit`);
  }
}

/** A stored request blob that is not JSON or not an onboarding record (hand-edited, truncated, foreign). */
export class UnreadableStoredRequestError extends StorageAdapterError {
  override readonly name = 'UnreadableStoredRequestError';
  constructor(readonly container: string, readonly blobName: string, readonly reason: string) {
    super('STORED_REQUEST_UNREADABLE', `Stored request blob "${blobName}" in container "${container}" is not a readable onboarding record: ${reason}`);
  }
}

/** An audit event that can't be stored as given (bad time, too large, bad event id). */
export class InvalidAuditEventError extends StorageAdapterError {
  override readonly name = 'InvalidAuditEventError';
  constructor(reason: string) {
    super('AUDIT_EVENT_INVALID', `Audit event refused: ${reason}`);
  }
}

/**
 * An audit event carrying a field that looks like a password, TAP or secret. The domain
 * never sends one; this is the last line of defence, so the event is not written at all.
 */
export class SecretInAuditEventError extends StorageAdapterError {
  override readonly name = 'SecretInAuditEventError';
  constructor(readonly field: string) {
    super('AUDIT_EVENT_CONTAINS_SECRET_FIELD', `Audit event refused: field "${field}" looks like a password or secret, and the audit trail never stores one`);
  }
}

/** The event id (row key) is already in the table; the stored event was left untouched. */
export class AuditEventAlreadyRecordedError extends StorageAdapterError {
  override readonly name = 'AuditEventAlreadyRecordedError';
  constructor(readonly eventId: string, readonly partitionKey: string, readonly rowKey: string) {
    super('AUDIT_EVENT_ALREADY_RECORDED', `Audit event ${eventId} is already recorded (row ${partitionKey}/${rowKey}); audit events are insert-only, nothing was overwritten`);
  }
}

/** A row of the audit table that this adapter did not write or that was damaged. */
export class UnreadableAuditRowError extends StorageAdapterError {
  override readonly name = 'UnreadableAuditRowError';
  constructor(readonly table: string, readonly partitionKey: string, readonly rowKey: string, reason: string) {
    super('AUDIT_ROW_UNREADABLE', `Audit row ${partitionKey}/${rowKey} in table "${table}" is not readable: ${reason}`);
  }
}
