/**
 * The CredentialStore port over Azure Table Storage. Sealed credentials live here, one
 * entity per credentials id, and nowhere else: Table Storage keeps no versions and has no
 * soft delete, so `delete` removes a secret for good (a blob would linger in earlier
 * versions or soft-deleted copies wherever those are on).
 *
 *   PartitionKey = the request id, RowKey = the generation (zero-padded)
 *   columns: credentialId, recipientId, password (sealed JSON; absent for a guest's invitation
 *   link), temporaryAccessPass and invitationLink (sealed JSON or absent), purgeAt, revealedAt, revealedBy
 *
 * Updates are compare-and-set on the entity's ETag. `listDue` reads across partitions with
 * a filter on purgeAt (ISO strings sort as times): the table only ever holds credentials
 * not yet revealed or expired, so it stays small.
 */
import { odata } from '@azure/data-tables';
import type { CredentialStore, SealedSecret, StoredCredentials } from '../onboarding/index.js';
import { statusCodeOf, tableReachable, type StorageReachability } from './reachability.js';
import { tableClientOf, tableCreatedOnFirstUse, type StorageAccess } from './storage-account.js';

export type TableCredentialStoreOptions = StorageAccess & {
  /** Letters and digits, starting with a letter, 3–63 characters; created if missing. */
  readonly tableName: string;
};

export interface TableCredentialStore extends CredentialStore {
  /** Whether Table Storage answers, for the health endpoint; never throws. */
  checkReachable(options?: { readonly timeoutMs?: number }): Promise<StorageReachability>;
}

interface CredentialEntity {
  partitionKey: string;
  rowKey: string;
  credentialId: string;
  recipientId: string;
  /** Absent when only a Temporary Access Pass is handed over. */
  password?: string;
  temporaryAccessPass?: string;
  invitationLink?: string;
  purgeAt: string;
  revealedAt?: string;
  revealedBy?: string;
}

const ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function createTableCredentialStore(options: TableCredentialStoreOptions): TableCredentialStore {
  const table = tableClientOf(options, options.tableName);
  const ensureReady = tableCreatedOnFirstUse(table);

  return {
    async get(credentialId) {
      const { partitionKey, rowKey } = keysOf(credentialId);
      await ensureReady();
      try {
        const entity = await table.getEntity<CredentialEntity>(partitionKey, rowKey);
        return { credentials: fromEntity(entity), version: entity.etag };
      } catch (error) {
        if (statusCodeOf(error) === 404) return null;
        throw error;
      }
    },
    async create(credentials) {
      await ensureReady();
      try {
        const created = await table.createEntity(toEntity(credentials));
        return { kind: 'created', version: created.etag ?? '' };
      } catch (error) {
        if (statusCodeOf(error) === 409) return { kind: 'exists' };
        throw error;
      }
    },
    async update(credentials, expectedVersion) {
      await ensureReady();
      try {
        const updated = await table.updateEntity(toEntity(credentials), 'Replace', { etag: expectedVersion });
        return { kind: 'updated', version: updated.etag ?? '' };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 412 || status === 404) return { kind: 'conflict' };
        throw error;
      }
    },
    async delete(credentialId) {
      const { partitionKey, rowKey } = keysOf(credentialId);
      await ensureReady();
      try {
        await table.deleteEntity(partitionKey, rowKey);
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw error;
      }
    },
    async listDue(now, limit) {
      await ensureReady();
      const due: StoredCredentials[] = [];
      const entities = table.listEntities<CredentialEntity>({ queryOptions: { filter: odata`purgeAt le ${now.toISOString()}` } });
      for await (const entity of entities) {
        due.push(fromEntity(entity));
        if (due.length >= limit) break;
      }
      return due.sort((a, b) => a.purgeAt.localeCompare(b.purgeAt));
    },
    // A request each time: ensureReady() remembers its first success, so it says nothing about now.
    checkReachable: ({ timeoutMs = 2500 } = {}) => tableReachable(table, timeoutMs),
  };
}

/** `${requestId}.${generation}` → the request's partition, the generation's row. */
function keysOf(credentialId: string): { partitionKey: string; rowKey: string } {
  const dot = credentialId.lastIndexOf('.');
  const generation = Number(credentialId.slice(dot + 1));
  if (!ID.test(credentialId) || dot < 1 || !Number.isInteger(generation) || generation < 1) {
    throw new RangeError('A credentials id is a request id, a dot and a generation number');
  }
  return { partitionKey: credentialId.slice(0, dot), rowKey: String(generation).padStart(6, '0') };
}

function toEntity(credentials: StoredCredentials): CredentialEntity {
  const { partitionKey, rowKey } = keysOf(credentials.credentialId);
  return {
    partitionKey,
    rowKey,
    credentialId: credentials.credentialId,
    recipientId: credentials.recipientId,
    ...(credentials.password ? { password: JSON.stringify(credentials.password) } : {}),
    ...(credentials.temporaryAccessPass ? { temporaryAccessPass: JSON.stringify(credentials.temporaryAccessPass) } : {}),
    ...(credentials.invitationLink ? { invitationLink: JSON.stringify(credentials.invitationLink) } : {}),
    purgeAt: credentials.purgeAt,
    ...(credentials.revealedAt ? { revealedAt: credentials.revealedAt } : {}),
    ...(credentials.revealedBy ? { revealedBy: credentials.revealedBy } : {}),
  };
}

function fromEntity(entity: CredentialEntity): StoredCredentials {
  return {
    credentialId: entity.credentialId,
    requestId: entity.partitionKey,
    generation: Number(entity.rowKey),
    recipientId: entity.recipientId,
    ...(entity.password ? { password: JSON.parse(entity.password) as SealedSecret } : {}),
    ...(entity.temporaryAccessPass ? { temporaryAccessPass: JSON.parse(entity.temporaryAccessPass) as SealedSecret } : {}),
    ...(entity.invitationLink ? { invitationLink: JSON.parse(entity.invitationLink) as SealedSecret } : {}),
    purgeAt: entity.purgeAt,
    ...(entity.revealedAt ? { revealedAt: entity.revealedAt } : {}),
    ...(entity.revealedBy ? { revealedBy: entity.revealedBy } : {}),
  };
}
