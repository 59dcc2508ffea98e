/** One request as the inspection API shows it: never bodies, tokens or secrets. */
export interface RequestLogEntry {
  sequence: number;
  time: string;
  method: string;
  path: string;
  /** The query string (Graph queries carry no secrets); empty when none. */
  query: string;
  status: number;
  durationMs: number;
  requestId: string;
  clientRequestId?: string;
  /** The calling application (client id), when known. */
  appId?: string;
  /** Graph operation name, e.g. "createUser". */
  operation?: string;
  /** For a $batch part: the part's id; its `path` is the part's URL. */
  batchPartId?: string;
  /** The injected fault, if one was applied. */
  fault?: string;
  throttled?: boolean;
}

/** A bounded in-memory log of requests, newest last. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  private sequence = 0;

  constructor(private readonly capacity = 2000) {}

  add(entry: Omit<RequestLogEntry, 'sequence'>): void {
    this.sequence += 1;
    this.entries.push({ sequence: this.sequence, ...entry });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(sinceSequence = 0): RequestLogEntry[] {
    return this.entries.filter((entry) => entry.sequence > sinceSequence).map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
