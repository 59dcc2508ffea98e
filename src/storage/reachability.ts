import type { TableClient } from '@azure/data-tables';

/** Storage health, for the health endpoint: whether the service answered, and if not why. */
export type StorageReachability = { readonly reachable: true } | { readonly reachable: false; readonly reason: string };

/** The HTTP status of an Azure SDK error (RestError), or undefined for anything else. */
export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A short reason without URLs or headers (they can carry SAS tokens): name, status and service code. */
export function describeStorageFailure(error: unknown): string {
  const e = (error ?? {}) as { name?: unknown; statusCode?: unknown; code?: unknown };
  const parts = [typeof e.name === 'string' ? e.name : 'Error'];
  if (typeof e.statusCode === 'number') parts.push(`HTTP ${e.statusCode}`);
  if (typeof e.code === 'string') parts.push(e.code);
  return parts.join(' ');
}

/**
 * Whether the table service answers now: one request each time (a page of one key). A missing
 * table still means the service answered; the store creates it on first use.
 */
export async function tableReachable(table: TableClient, timeoutMs: number): Promise<StorageReachability> {
  try {
    await table.listEntities({ queryOptions: { select: ['PartitionKey'] }, abortSignal: AbortSignal.timeout(timeoutMs) }).byPage({ maxPageSize: 1 }).next();
    return { reachable: true };
  } catch (error) {
    if (statusCodeOf(error) === 404) return { reachable: true };
    return { reachable: false, reason: describeStorageFailure(error) };
  }
}
