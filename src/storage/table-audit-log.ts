/**
 * The AuditLog port over Azure Table Storage, insert-only: every event is one entity
 * written with Insert Entity (createEntity), which the service refuses (409) when the key
 * exists. Nothing here calls upsert, update or delete, so a recorded event can't change.
 *
 * Keys, chosen for the admins' queries (by UPN, by requester, by date range, newest first):
 *   PartitionKey = inverted UTC day  (100000000 − days since 1970, 9 digits)
 *   RowKey       = inverted time     (8640000000000000 − epoch ms, 16 digits) + '_' + event id
 * The service returns entities in (PartitionKey, RowKey) order, so a plain query already
 * comes back newest first and `limit` stops reading early. A date range becomes a
 * PartitionKey range (only those days' partitions are read) plus a RowKey range (exact to
 * the millisecond — the RowKey carries the absolute time, not just the time of day).
 * A partition per request would make UPN, requester and date queries scan everything; a
 * partition per day keeps days apart at the audit volume of an onboarding bot (far below
 * a partition's 2,000 entities/s). Queries by UPN or requester without dates filter on a
 * column across partitions, still newest first.
 *
 * Columns: eventId, requestId, correlationId, at (as given), type, actor, details (JSON,
 * so types and nulls survive), day (YYYY-MM-DD for people browsing the table), and two
 * filter columns copied from details: userPrincipalNameKey (lower-cased UPN) and requesterId.
 */
import { randomUUID } from 'node:crypto';
import { odata, type TransactionAction } from '@azure/data-tables';
import type { AuditEvent, AuditLog } from '../onboarding/index.js';
import {
  AuditEventAlreadyRecordedError, InvalidAuditEventError, SecretInAuditEventError, UnreadableAuditRowError,
} from './errors.js';
import { statusCodeOf, tableReachable, type StorageReachability } from './reachability.js';
import { tableClientOf, type StorageAccess } from './storage-account.js';

/** A connection string (Azurite's in tests and `npm start`) or the account as a managed identity, and the table. */
export type TableAuditLogOptions = StorageAccess & {
  /** Letters and digits, starting with a letter, 3–63 characters; created if missing. */
  readonly tableName: string;
  /** Makes the unique part of each row key; a random UUID unless a test needs to repeat one. */
  readonly newEventId?: () => string;
};

/** An event as read back, with the id it was recorded under. */
export interface RecordedAuditEvent extends AuditEvent {
  readonly eventId: string;
}

export interface AuditQuery {
  /** Events whose details.userPrincipalName is this UPN (case-insensitive). */
  readonly userPrincipalName?: string | undefined;
  /** Events whose details.requesterId is this id. */
  readonly requesterId?: string | undefined;
  /** Events of exactly this type (refusals: "access.refused"). */
  readonly type?: string | undefined;
  /** Inclusive lower bound on the event time. */
  readonly from?: Date | string | undefined;
  /** Inclusive upper bound on the event time. */
  readonly to?: Date | string | undefined;
  /** At most this many events (1–1000, default 100). */
  readonly limit?: number | undefined;
}

export interface TableAuditLog extends AuditLog {
  /** Creates the table if it is missing; once per log (later calls share the result). */
  ensureReady(): Promise<void>;
  /** Whether Table Storage answers, for the health endpoint; never throws. */
  checkReachable(options?: { readonly timeoutMs?: number }): Promise<StorageReachability>;
  /** Events matching every given criterion, newest first. */
  query(criteria?: AuditQuery): Promise<RecordedAuditEvent[]>;
}

interface AuditEntity {
  partitionKey: string;
  rowKey: string;
  eventId: string;
  requestId: string;
  correlationId: string;
  at: string;
  day: string;
  type: string;
  actor: string;
  details: string;
  userPrincipalNameKey?: string;
  requesterId?: string;
}

const MAX_TIME_MS = 8_640_000_000_000_000; // the largest time a JS Date can hold
const DAY_MS = 86_400_000;
const DAY_BASE = 100_000_000;
const DEFAULT_LIMIT = 100;
// An export file takes up to 10,000 events; the service returns at most 1,000 entities a page.
const MAX_LIMIT = 10_000;
const MAX_PAGE = 1_000;
/** A Table string property holds 64 KiB of UTF-16; stay well inside it. */
const MAX_DETAILS_CHARS = 30_000;
const SAFE_EVENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A Table transaction holds at most 100 actions, all in one partition. */
const MAX_TRANSACTION_ACTIONS = 100;

export function createTableAuditLog(options: TableAuditLogOptions): TableAuditLog {
  const table = tableClientOf(options, options.tableName);
  const newEventId = options.newEventId ?? (() => randomUUID());
  let ready: Promise<void> | undefined;

  function ensureReady(): Promise<void> {
    ready ??= table.createTable().then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    return ready;
  }

  async function append(event: AuditEvent): Promise<void> {
    // Shape and size first, so the secret scan below only ever reads bounded strings.
    const entity = toEntity(event, event.eventId ?? newEventId());
    refuseSecretFields(event);
    await ensureReady();
    try {
      await table.createEntity(entity);
    } catch (error) {
      if (statusCodeOf(error) === 409) throw new AuditEventAlreadyRecordedError(entity.eventId, entity.partitionKey, entity.rowKey);
      throw error;
    }
  }

  /**
   * Inserts events together: one Table transaction per partition (day), at most 100 each. An
   * event given its own id that is recorded already (a batch sent again after a crash) is
   * skipped: then that batch's events go one by one, and a 409 means "already there".
   */
  async function appendAll(events: readonly AuditEvent[]): Promise<void> {
    const entities = events.map((event) => {
      const entity = toEntity(event, event.eventId ?? newEventId());
      refuseSecretFields(event);
      return entity;
    });
    if (entities.length === 0) return;
    await ensureReady();
    const byPartition = new Map<string, AuditEntity[]>();
    for (const entity of entities) byPartition.set(entity.partitionKey, [...(byPartition.get(entity.partitionKey) ?? []), entity]);
    for (const group of byPartition.values()) {
      for (let i = 0; i < group.length; i += MAX_TRANSACTION_ACTIONS) {
        const chunk = group.slice(i, i + MAX_TRANSACTION_ACTIONS);
        try {
          await table.submitTransaction(chunk.map((entity): TransactionAction => ['create', { ...entity }]));
        } catch (error) {
          if (statusCodeOf(error) !== 409) throw error;
          for (const entity of chunk) {
            await table.createEntity(entity).catch((single: unknown) => {
              if (statusCodeOf(single) !== 409) throw single;
            });
          }
        }
      }
    }
  }

  async function query(criteria: AuditQuery = {}): Promise<RecordedAuditEvent[]> {
    const limit = criteria.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`An audit query limit must be an integer from 1 to ${MAX_LIMIT}, not ${limit}`);
    }
    const from = criteria.from === undefined ? undefined : timeOf(criteria.from, 'from');
    const to = criteria.to === undefined ? undefined : timeOf(criteria.to, 'to');
    if (from !== undefined && to !== undefined && from > to) return [];

    const filters: string[] = [];
    if (to !== undefined) {
      filters.push(odata`PartitionKey ge ${partitionKeyOf(to)}`, odata`RowKey ge ${invertedTime(to)}`);
    }
    if (from !== undefined) {
      // Rows at `from` start with invertedTime(from); everything older sorts after it.
      filters.push(odata`PartitionKey le ${partitionKeyOf(from)}`, odata`RowKey lt ${invertedTime(from - 1)}`);
    }
    if (criteria.userPrincipalName !== undefined) filters.push(odata`userPrincipalNameKey eq ${criteria.userPrincipalName.toLowerCase()}`);
    if (criteria.requesterId !== undefined) filters.push(odata`requesterId eq ${criteria.requesterId}`);
    if (criteria.type !== undefined) filters.push(odata`type eq ${criteria.type}`);

    await ensureReady();
    const events: RecordedAuditEvent[] = [];
    const pages = table
      .listEntities<AuditEntity>({ queryOptions: filters.length > 0 ? { filter: filters.join(' and ') } : {} })
      .byPage({ maxPageSize: Math.min(limit, MAX_PAGE) });
    for await (const page of pages) {
      for (const entity of page) {
        events.push(fromEntity(options.tableName, entity));
        if (events.length >= limit) return events;
      }
    }
    return events;
  }

  function checkReachable(check: { readonly timeoutMs?: number } = {}): Promise<StorageReachability> {
    return tableReachable(table, check.timeoutMs ?? 5000);
  }

  return { append, appendAll, query, ensureReady, checkReachable };
}

// ------------------------------------------------------------------------------ keys

export function partitionKeyOf(timeMs: number): string {
  return String(DAY_BASE - Math.floor(timeMs / DAY_MS)).padStart(9, '0');
}

export function invertedTime(timeMs: number): string {
  return String(MAX_TIME_MS - timeMs).padStart(16, '0');
}

function timeOf(value: Date | string, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS) throw new RangeError(`Audit query "${name}" is not a valid time`);
  return ms;
}

function toEntity(event: AuditEvent, eventId: string): AuditEntity {
  if (!SAFE_EVENT_ID.test(eventId)) throw new InvalidAuditEventError('the event id must be 1–64 of A–Z a–z 0–9 _ -');
  for (const field of ['requestId', 'correlationId', 'type', 'actor', 'at'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0 || event[field].length > 1024) {
      throw new InvalidAuditEventError(`${field} must be a string of 1–1024 characters`);
    }
  }
  const ms = Date.parse(event.at);
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidAuditEventError('"at" is not an ISO 8601 time after 1970');
  for (const [key, value] of Object.entries(event.details ?? {})) {
    const ok = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new InvalidAuditEventError(`details.${key} must be a string, a finite number, a boolean or null`);
  }
  const details = JSON.stringify(event.details ?? {});
  if (details.length > MAX_DETAILS_CHARS) throw new InvalidAuditEventError(`details are ${details.length} characters; at most ${MAX_DETAILS_CHARS}`);

  const upn = event.details?.userPrincipalName;
  const requesterId = event.details?.requesterId;
  return {
    partitionKey: partitionKeyOf(ms),
    rowKey: `${invertedTime(ms)}_${eventId}`,
    eventId,
    requestId: event.requestId,
    correlationId: event.correlationId,
    at: event.at,
    day: new Date(ms).toISOString().slice(0, 10),
    type: event.type,
    actor: event.actor,
    details,
    ...(typeof upn === 'string' ? { userPrincipalNameKey: upn.toLowerCase() } : {}),
    ...(typeof requesterId === 'string' ? { requesterId } : {}),
  };
}

function fromEntity(tableName: string, entity: AuditEntity): RecordedAuditEvent {
  const unreadable = (reason: string) => new UnreadableAuditRowError(tableName, entity.partitionKey, entity.rowKey, reason);
  for (const field of ['eventId', 'requestId', 'correlationId', 'at', 'type', 'actor', 'details'] as const) {
    if (typeof entity[field] !== 'string') throw unreadable(`no ${field}`);
  }
  let details: unknown;
  try {
    details = JSON.parse(entity.details);
  } catch {
    throw unreadable('details are not JSON');
  }
  if (typeof details !== 'object' || details === null || Array.isArray(details)) throw unreadable('details are not an object');
  return {
    eventId: entity.eventId,
    requestId: entity.requestId,
    correlationId: entity.correlationId,
    at: entity.at,
    type: entity.type,
    actor: entity.actor,
    details: details as RecordedAuditEvent['details'],
  };
}


// ------------------------------------------------------------------------------ secrets

const SECRET_WORDS = ['password', 'passwd', 'temporaryaccesspass', 'secret'];
/** `name:` / `name=` / `"name":` inside a string: JSON, query strings, connection strings, logs. */
const EMBEDDED_FIELD = /(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]/g; // starts at word starts only: linear time

/** True for field names that could hold a password, TAP or secret, however they are spelt. */
export function looksLikeSecretFieldName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return normalised === 'tap' || normalised === 'pwd' || SECRET_WORDS.some((word) => normalised.includes(word));
}

/** Throws SecretInAuditEventError naming the first field that looks like a secret (never its value). */
function refuseSecretFields(event: AuditEvent): void {
  const strings: [string, unknown][] = [
    ['requestId', event.requestId], ['correlationId', event.correlationId], ['at', event.at], ['type', event.type], ['actor', event.actor],
  ];
  for (const [key, value] of Object.entries(event.details ?? {})) {
    if (looksLikeSecretFieldName(key)) throw new SecretInAuditEventError(`details.${key}`);
    strings.push([`details.${key}`, value]);
  }
  for (const [where, value] of strings) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(EMBEDDED_FIELD)) {
      if (looksLikeSecretFieldName(match[1] ?? '')) throw new SecretInAuditEventError(`${where} (contains "${match[1]}")`);
    }
  }
}
