/**
 * Everything a bot under test stored, to scan for secrets: every blob (with versions, snapshots,
 * deleted ones) and every audit and credentials entity. Shared by the leak scan and the bulk
 * guest rows whose links are handed over.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';
import type { BotUnderTest } from './bot-under-test.js';

export async function storedBy(bot: Pick<BotUnderTest, 'config'>): Promise<string[]> {
  const connectionString = inject('azuriteConnectionString');
  const storage: string[] = [];
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  for await (const container of blobs.listContainers({ prefix: bot.config.storage.container })) {
    const client = blobs.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat({ includeVersions: true, includeDeleted: true, includeSnapshots: true })) {
      const download = await client.getBlobClient(blob.name).withVersion(blob.versionId ?? '').downloadToBuffer().catch(() => Buffer.from(''));
      storage.push(blob.name, download.toString('utf8'));
    }
  }
  for (const table of [bot.config.storage.auditTable, bot.config.storage.credentialsTable]) {
    for await (const entity of TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true }).listEntities()) storage.push(JSON.stringify(entity));
  }
  return storage;
}

/** A secret as is, in base64 and in hex: none of them may be found. */
export const encodings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
