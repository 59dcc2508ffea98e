/**
 * Where the bot keeps its own state — teams-ai's conversation state, form drafts, the
 * conversation addresses delivery writes to — in a Blob container (botbuilder-azure-blobs,
 * eTag compare-and-set). Created here so that only src/bot and src/delivery know the Teams
 * platform's packages; the composition root passes the storage account as config says.
 */
import type { Storage } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';

/** botbuilder's storage interface: read, write (with eTags), delete by key. */
export type BotStateStorage = Storage;

/** The managed identity's token credential (or any credential BlobsStorage takes). */
type BlobCredential = NonNullable<ConstructorParameters<typeof BlobsStorage>[4]>;

export type BotStateAccess =
  | { readonly connectionString: string }
  | { readonly account: { readonly blobUrl: string; readonly credential: BlobCredential } };

/** The bot's state in `container`: through a connection string, or the account's blob endpoint with its token credential (no key). */
export function createBotStateStorage(access: BotStateAccess, container: string): BotStateStorage {
  return 'account' in access
    ? new BlobsStorage('', container, undefined, `${access.account.blobUrl}/${container}`, access.account.credential)
    : new BlobsStorage(access.connectionString, container);
}
