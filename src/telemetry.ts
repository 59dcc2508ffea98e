/**
 * Application Insights through OpenTelemetry (@azure/monitor-opentelemetry), started only
 * when APPLICATIONINSIGHTS_CONNECTION_STRING is configured; otherwise this module is never
 * loaded. What it sends:
 * - requests: each POST /api/messages (one Teams turn) and the health paths (/livez, /readyz, /healthz), from node:http;
 * - dependencies: Graph and token calls (fetch, through the undici instrumentation; their URLs
 *   without user names or query values, see redactUrl), the Bot Connector and Storage (node:http/https);
 * - traces: every structured log line, taken after logging.ts has scrubbed it, so telemetry
 *   never holds more than the log does.
 * A turn's request, its Graph calls and its log lines (the audit events among them, with the
 * request's correlationId) share one operation id: the trace the turn's HTTP request started.
 * It must start before the modules it instruments are loaded: src/index.ts imports app.js after it.
 */
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { trace } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

export interface Telemetry {
  /** A pino destination: each JSON line written to it becomes a log record in the active trace. */
  readonly logSink: { write(line: string): void };
  /** Sends what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE, debug: SeverityNumber.DEBUG, info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN, error: SeverityNumber.ERROR, fatal: SeverityNumber.FATAL,
};

/** Fields every line has, which Application Insights keeps elsewhere (time, severity, message). */
const ENVELOPE_FIELDS = new Set(['time', 'level', 'msg', 'pid']);

export function startTelemetry(options: { connectionString: string; serviceName: string; serviceVersion: string }): Telemetry {
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: options.connectionString },
    enableLiveMetrics: false,
    // Every turn is kept: the bot's traffic is small, and an incomplete trace hides the call that failed.
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      // The bot logs with pino, bridged below; these loggers are not used here.
      bunyan: { enabled: false },
      winston: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  });
  // Graph (@microsoft/microsoft-graph-client) and @azure/identity's token requests go through
  // Node's fetch, which the distro's http instrumentation does not see.
  // Their URLs name people (/users/adele.vance@contoso.com, $filter=displayName eq 'Adele Vance'):
  // the dependency keeps the route and the parameter names, never the values that identify someone.
  registerInstrumentations({
    instrumentations: [new UndiciInstrumentation({ startSpanHook: (request) => urlAttributes(new URL(request.path, request.origin)) })],
  });

  const logger = logs.getLogger(options.serviceName, options.serviceVersion);
  return {
    logSink: {
      write(line: string) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return; // not a log line of ours
        }
        const level = String(entry.level ?? 'info');
        const attributes: AnyValueMap = {};
        for (const [key, value] of Object.entries(entry)) {
          if (ENVELOPE_FIELDS.has(key) || value === undefined) continue;
          attributes[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as string | number | boolean);
        }
        logger.emit({
          severityNumber: SEVERITY[level] ?? SeverityNumber.INFO,
          severityText: level.toUpperCase(),
          body: typeof entry.msg === 'string' ? entry.msg : '',
          attributes,
        });
      },
    },
    async shutdown() {
      // The distro's shutdown alone let the last batch go unsent (the process exited with the
      // export in flight): flush both providers first, then shut down, within a bounded time.
      const flushed = [logs.getLoggerProvider(), (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.()]
        .map((provider) => (provider as { forceFlush?: () => Promise<void> } | undefined)?.forceFlush?.());
      await withinMs(5_000, Promise.allSettled(flushed).then(() => shutdownAzureMonitor()));
    },
  };
}

function withinMs(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** Query parameters whose values are schema, not data about a person; every other value is replaced. */
const SCHEMA_PARAMETERS = new Set(['$select', '$top', '$count', '$expand', '$orderby', 'api-version', 'comp', 'restype']);

/**
 * A Graph or token URL as telemetry may keep it: a path segment holding a user name or address
 * becomes {user}, and a query value becomes "…" unless it only names fields ($select, $top…).
 */
export function redactUrl(url: URL): { readonly full: string; readonly path: string; readonly query: string } {
  const path = url.pathname.split('/').map((segment) => (/@|%40/i.test(segment) ? '{user}' : segment)).join('/');
  const pairs = [...url.searchParams.entries()].map(([name, value]) => `${encodeURIComponent(name)}=${SCHEMA_PARAMETERS.has(name) ? encodeURIComponent(value) : '…'}`);
  const query = pairs.length > 0 ? `?${pairs.join('&')}` : '';
  return { full: `${url.origin}${path}${query}`, path, query };
}

function urlAttributes(url: URL): Record<string, string> {
  const redacted = redactUrl(url);
  return { 'url.full': redacted.full, 'url.path': redacted.path, 'url.query': redacted.query };
}
