/**
 * Requests being filled in, kept server-side: the card only carries the draft id, so the
 * owner and the request id can never be forged by editing card data.
 */
import type { Storage } from 'botbuilder';
import type { Confirmation, OnboardingForm, ReviewedManager } from '../onboarding/index.js';

export interface Draft {
  readonly draftId: string;
  /** Entra object id of the person who opened the form: the only one who may act on it. */
  readonly ownerId: string;
  readonly form: OnboardingForm;
  /** Fixed when the details were checked; the same id on every Create click (exactly once). */
  readonly requestId?: string | undefined;
  readonly userPrincipalName?: string | undefined;
  /** What the last review asked the requester to confirm before Create (kept here, so card data can't drop it). */
  readonly confirmations?: readonly Confirmation[] | undefined;
  /** The manager the last review found, so Create does not look them up again. */
  readonly manager?: ReviewedManager | undefined;
  readonly createdAt: string;
  readonly cancelled?: boolean;
}

const DRAFT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const key = (draftId: string) => `drafts/${draftId}`;

export class DraftStore {
  constructor(private readonly storage: Storage) {}

  async get(draftId: unknown): Promise<Draft | undefined> {
    if (typeof draftId !== 'string' || !DRAFT_ID.test(draftId)) return undefined;
    const items = await this.storage.read([key(draftId)]);
    const item = items[key(draftId)] as (Draft & { eTag?: string }) | undefined;
    if (!item) return undefined;
    const { eTag: _eTag, ...draft } = item;
    return draft;
  }

  async save(draft: Draft): Promise<void> {
    await this.storage.write({ [key(draft.draftId)]: { ...draft, eTag: '*' } });
  }
}
