/**
 * How an adapter reaches the storage account: with the account key in a connection string
 * (Azurite in tests and `npm start`), or as a managed identity with the account's blob and
 * table endpoints and a token credential (no key anywhere: the identity's role assignments
 * decide). The adapters take either and build their SDK clients here.
 */
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';

export type StorageAccess =
  | { readonly connectionString: string }
  | { readonly account: StorageAccount };

/** The account's endpoints (https://{account}.blob.core.windows.net, …table…) and who signs in to them. */
export interface StorageAccount {
  readonly blobUrl: string;
  readonly tableUrl: string;
  readonly credential: TokenCredential;
}

export function blobServiceOf(access: StorageAccess): BlobServiceClient {
  return 'account' in access
    ? new BlobServiceClient(access.account.blobUrl, access.account.credential)
    : BlobServiceClient.fromConnectionString(access.connectionString);
}

export function tableClientOf(access: StorageAccess, tableName: string): TableClient {
  return 'account' in access
    // A token only ever travels over https (the SDK refuses bearer tokens over http anyway).
    ? new TableClient(access.account.tableUrl, tableName, access.account.credential)
    : TableClient.fromConnectionString(access.connectionString, tableName, {
        // Plain http is only ever accepted for a storage emulator on this machine.
        allowInsecureConnection: isLocalEmulator(access.connectionString),
      });
}

/** Plain http is only ever accepted for a storage emulator on this machine. */
export function isLocalEmulator(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString)
    || /TableEndpoint=http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionString);
}

/** The app's managed identity: a user-assigned one by its client id, else the system-assigned one. */
export function managedIdentityCredential(clientId?: string): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/**
 * Creates the table on first use, once per adapter (later calls share the result; a failure is
 * not remembered, so the next call tries again).
 */
export function tableCreatedOnFirstUse(table: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= table.createTable().then(() => undefined, (error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
