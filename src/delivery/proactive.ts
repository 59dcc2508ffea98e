/**
 * Proactive turns that report their own failures. botbuilder runs a proactive callback
 * through the adapter's middleware, and an error thrown inside it goes to the adapter's
 * turn-error handler (which the bot sets to tell the person "something went wrong") instead
 * of back to the caller — so a refused message looked delivered. Every proactive send goes
 * through here: the callback's error is caught inside the turn and thrown again outside it.
 */
import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';

/** Runs `work` in a turn for an existing conversation; its failure reaches the caller. */
export async function inConversation<T>(
  adapter: CloudAdapter, botAppId: string, reference: Partial<ConversationReference>, work: (turn: TurnContext) => Promise<T>,
): Promise<T> {
  return capture((run) => adapter.continueConversationAsync(botAppId, reference, run), work);
}

/** Opens a conversation and runs `work` in it; its failure reaches the caller. */
export async function inNewConversation<T>(
  adapter: CloudAdapter, botAppId: string, serviceUrl: string, audience: string,
  parameters: Parameters<CloudAdapter['createConversationAsync']>[4], work: (turn: TurnContext) => Promise<T>,
): Promise<T> {
  return capture((run) => adapter.createConversationAsync(botAppId, 'msteams', serviceUrl, audience, parameters, run), work);
}

async function capture<T>(start: (run: (turn: TurnContext) => Promise<void>) => Promise<void>, work: (turn: TurnContext) => Promise<T>): Promise<T> {
  let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  await start(async (turn) => {
    try {
      result = { ok: true, value: await work(turn) };
    } catch (error) {
      result = { ok: false, error };
    }
  });
  if (!result) throw new Error('The proactive turn did not run');
  if (!result.ok) throw result.error;
  return result.value;
}
