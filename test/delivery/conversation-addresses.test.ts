/**
 * Where people are reached, as each instance sees it: a person's address is read from memory
 * for a minute after their own activity (or a read), then from storage again, so another
 * instance's change shows within that and a warm delivery costs no read.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Activity, type StoreItems } from 'botbuilder';
import { ConversationAddresses } from '../../src/delivery/conversation-addresses.js';

const TENANT = '00000000-0000-4000-8000-00000000000a';
const MEGAN = '00000000-0000-4000-8000-000000000021';

/** One storage both instances share, counting the reads that reach it. */
function sharedStorage() {
  const storage = new MemoryStorage();
  const reads: string[][] = [];
  return {
    reads,
    storage: {
      read: (keys: string[]): Promise<StoreItems> => {
        reads.push(keys);
        return storage.read(keys);
      },
      write: (changes: StoreItems) => storage.write(changes),
      delete: (keys: string[]) => storage.delete(keys),
    },
  };
}

function messageFrom(conversationId: string, serviceUrl = 'https://smba.example/emea/'): Partial<Activity> {
  return {
    from: { id: '29:megan', aadObjectId: MEGAN, name: 'Megan Bowen' },
    recipient: { id: '28:bot', name: 'Bot' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
    channelId: 'msteams',
    serviceUrl,
  };
}

describe('a person\'s address across instances', () => {
  it('when the person just wrote to this instance, then their address is known without reading storage', async () => {
    const { storage, reads } = sharedStorage();
    const addresses = new ConversationAddresses(storage);
    await addresses.rememberSender(messageFrom('a:1'), TENANT);
    const readsBefore = reads.length;
    expect((await addresses.person(MEGAN))?.personalChat?.conversation?.id).toBe('a:1');
    expect(reads.length).toBe(readsBefore);
  });

  it('when another instance stored a newer address, then this one reads it once its minute is over', async () => {
    const { storage, reads } = sharedStorage();
    let now = Date.parse('2026-11-30T09:00:00Z');
    const first = new ConversationAddresses(storage, undefined, { now: () => now });
    const second = new ConversationAddresses(storage, undefined, { now: () => now });
    await first.rememberSender(messageFrom('a:1'), TENANT);
    now += 1_000;
    await second.rememberSender(messageFrom('a:1', 'https://smba.example/amer/'), TENANT);
    expect((await first.person(MEGAN))?.serviceUrl).toBe('https://smba.example/emea/');
    now += 60_000;
    const readsBefore = reads.length;
    expect((await first.person(MEGAN))?.serviceUrl).toBe('https://smba.example/amer/');
    expect(reads.length).toBe(readsBefore + 1);
  });
});
