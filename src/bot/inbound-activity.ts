/**
 * Inbound activities are untrusted input. Before teams-ai sees one, it must have what the
 * SDK relies on (type, serviceUrl, from, recipient, conversation): teams-ai crashes without
 * a recipient, and the connector falls back to a public host without a serviceUrl.
 */
import { z } from 'zod';

const account = z.object({ id: z.string().min(1).max(512) }).passthrough();

const activitySchema = z
  .object({
    type: z.string().min(1).max(64),
    serviceUrl: z.string().url().max(2048),
    channelId: z.string().min(1).max(64),
    from: account,
    recipient: account,
    conversation: z.object({ id: z.string().min(1).max(1024) }).passthrough(),
  })
  .passthrough();

export type InboundCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function checkInboundActivity(body: unknown, options: { allowedServiceUrl: (url: string) => boolean }): InboundCheck {
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    return { ok: false, reason: `missing or invalid: ${fields.join(', ')}` };
  }
  if (!options.allowedServiceUrl(parsed.data.serviceUrl)) return { ok: false, reason: 'serviceUrl not allowed' };
  return { ok: true };
}

/** The Entra tenant an activity claims to come from (Teams puts it in two places). */
export function tenantOf(activity: { channelData?: unknown; conversation?: { tenantId?: string } }): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromChannelData = typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  return fromChannelData ?? activity.conversation?.tenantId;
}
