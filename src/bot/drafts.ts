/**
 * Requests being filled in, kept server-side: the card only carries the draft id (and the
 * revision it shows), so the owner and the request id can never be forged by editing card data.
 *
 * Every save is a new revision. An instance remembers the latest revision it saved or read of
 * each draft, and a click whose card names that revision is answered from memory: a revision
 * is never changed once written, so memory and storage hold the same draft under it. A card
 * naming any other revision (or none) is answered from storage.
 */
import { randomUUID } from 'node:crypto';
import type { Storage } from 'botbuilder';
import type { Confirmation, OnboardingForm, ReviewedManager, TemplateSnapshot } from '../onboarding/index.js';

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
  /** The form as the last review would submit it: empty fields filled with the template's defaults, the template choice explicit. */
  readonly submitForm?: OnboardingForm | undefined;
  /** The template snapshot the last review showed (null: none; absent: templates off); Create adds exactly this. */
  readonly template?: TemplateSnapshot | null | undefined;
  readonly createdAt: string;
  readonly cancelled?: boolean;
  /** New on every save; the cards name it, so a click on the latest card needs no read. */
  readonly revision?: string | undefined;
}

const REMEMBERED_DRAFTS = 10_000;

const DRAFT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const key = (draftId: string) => `drafts/${draftId}`;

export class DraftStore {
  /** The latest revision this instance saved or read, per draft id. */
  private readonly latest = new Map<string, Draft>();

  constructor(private readonly storage: Storage) {}

  /** The draft; from memory when `revision` (from the clicked card, untrusted) names the one remembered. */
  async get(draftId: unknown, revision?: unknown): Promise<Draft | undefined> {
    if (typeof draftId !== 'string' || !DRAFT_ID.test(draftId)) return undefined;
    const remembered = this.latest.get(draftId);
    if (remembered && typeof revision === 'string' && remembered.revision === revision) return remembered;
    const items = await this.storage.read([key(draftId)]);
    const item = items[key(draftId)] as (Draft & { eTag?: string }) | undefined;
    if (!item) return undefined;
    const { eTag: _eTag, ...draft } = item;
    this.remember(draft);
    return draft;
  }

  /** Stores the draft as a new revision and returns it as saved. */
  async save(draft: Draft): Promise<Draft> {
    const saved: Draft = { ...draft, revision: randomUUID() };
    await this.storage.write({ [key(draft.draftId)]: { ...saved, eTag: '*' } });
    this.remember(saved);
    return saved;
  }

  private remember(draft: Draft): void {
    this.latest.delete(draft.draftId);
    this.latest.set(draft.draftId, draft);
    if (this.latest.size > REMEMBERED_DRAFTS) this.latest.delete(this.latest.keys().next().value as string);
  }
}
