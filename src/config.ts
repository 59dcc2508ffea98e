/**
 * The one place that reads the environment. `loadConfig` parses it once into a frozen,
 * typed config; every problem is reported together, by variable name, and no secret value
 * is ever echoed back.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { defaultOnboardingPolicy, secretRecipientRoles, type OnboardingPolicy } from './onboarding/index.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Names of variables whose values are secrets: validated, never printed. */
export const SECRET_VARIABLES = new Set(['BOT_PASSWORD', 'GRAPH_CLIENT_SECRET', 'SECRET_VAULT_KEY', 'STORAGE_CONNECTION_STRING', 'APPLICATIONINSIGHTS_CONNECTION_STRING']);

const guid = (what: string) => z.string().regex(GUID, `a GUID (${what})`);
const guidList = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(guid('Entra group object id')));
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'true or false' }) })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const httpsUrl = z
  .string()
  .url('an https URL')
  .refine((value) => value.startsWith('https://'), 'an https URL')
  .transform((value) => value.replace(/\/+$/, ''));
const port = z.coerce.number({ invalid_type_error: 'a port number' }).int('a port number').min(0).max(65_535);

const environmentSchema = z
  .object({
    APP_MODE: z.enum(['local', 'tenant'], { errorMap: () => ({ message: '"local" or "tenant"' }) }).default('local'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3978),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        errorMap: () => ({ message: 'one of fatal, error, warn, info, debug, trace, silent' }),
      })
      .default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    // Application Insights through OpenTelemetry; unset = no telemetry at all (locally, always).
    APPLICATIONINSIGHTS_CONNECTION_STRING: z
      .string()
      .regex(/(^|;)\s*InstrumentationKey=[0-9a-f-]{36}\s*(;|$)/i, 'an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=https://…)')
      .optional(),

    // Bot Framework identity (Azure Bot resource). Empty in local mode.
    BOT_ID: z.string().default(''),
    BOT_PASSWORD: z.string().default(''),
    // …or a PEM file with the bot app registration's certificate and private key (SingleTenant).
    BOT_CERTIFICATE_PATH: z.string().default(''),
    BOT_APP_TYPE: z.enum(['SingleTenant', 'UserAssignedMSI'], { errorMap: () => ({ message: 'SingleTenant or UserAssignedMSI' }) }).default('SingleTenant'),
    // The cloud the bot's Azure Bot resource lives in: its Bot Framework endpoints, token audience and caller id.
    BOT_CLOUD: z
      .string()
      .default('Public')
      .transform((value) => value.trim().toLowerCase())
      .pipe(z.enum(['public', 'usgov', 'usgovdod', 'china'], { errorMap: () => ({ message: 'Public, USGov, USGovDoD or China' }) })),
    // Single Bot Framework endpoints, for a private cloud or to override one of BOT_CLOUD's.
    BOT_OPENID_METADATA_URL: httpsUrl.optional(),
    BOT_TOKEN_ISSUER: z.string().url('the issuer of channel tokens (https://api.botframework.com in the public cloud)').optional(),
    BOT_LOGIN_URL: httpsUrl.optional(),
    BOT_OAUTH_SCOPE: z.string().url('the Bot Connector resource (https://api.botframework.com in the public cloud)').optional(),

    // The Entra tenant the bot serves; activities from any other tenant are refused.
    TENANT_ID: guid('Entra tenant id'),

    // Microsoft Graph: where and as whom.
    GRAPH_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
    GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com'),
    GRAPH_CLIENT_ID: z.string().default(''),
    GRAPH_CLIENT_SECRET: z.string().default(''),
    GRAPH_CERTIFICATE_PATH: z.string().default(''),
    GRAPH_USE_MANAGED_IDENTITY: bool.default('false'),
    // Local mode authenticates nobody: it talks only to the local tenant unless this says otherwise, out loud.
    LOCAL_ALLOW_REMOTE_DIRECTORY: bool.default('false'),

    // Azure Storage (Azurite locally) for conversation state, requests and the audit trail:
    // a connection string (account key), or the blob and table endpoints reached as a managed identity.
    STORAGE_CONNECTION_STRING: z.string().min(1, 'an Azure Storage connection string').optional(),
    STORAGE_BLOB_URL: httpsUrl.optional(),
    STORAGE_TABLE_URL: httpsUrl.optional(),
    // The user-assigned managed identity (client id) that reads Key Vault and Storage; unset = the system-assigned one.
    AZURE_CLIENT_ID: guid('client id of a user-assigned managed identity').optional(),
    STORAGE_CONTAINER: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a blob container name (3-63 lowercase letters, digits, hyphens)').default('onboarding-state'),
    AUDIT_TABLE: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'a table name (3-63 letters and digits, starting with a letter)').default('OnboardingAudit'),
    CREDENTIALS_TABLE: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'a table name (3-63 letters and digits, starting with a letter)').default('OnboardingCredentials'),
    // Onboarding templates (groups, licence, defaults per department), managed by admins in Teams.
    TEMPLATES_TABLE: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'a table name (3-63 letters and digits, starting with a letter)').default('OnboardingTemplates'),
    // A JSON file (as "templates export" writes it) imported at start while no template exists; unset = none.
    TEMPLATES_SEED_FILE: z.string().min(1).optional(),
    CREDENTIAL_DELIVERY: z.enum(['reveal', 'message'], { errorMap: () => ({ message: 'reveal (a card with a Reveal button; the default) or message (the secret in a chat message: weaker)' }) }).default('reveal'),
    REVEAL_WINDOW_HOURS: z.coerce.number({ invalid_type_error: 'a number of hours from 1 to 168' }).min(1, 'a number of hours from 1 to 168').max(168, 'a number of hours from 1 to 168').default(24),
    REVEAL_GRACE_MINUTES: z.coerce.number({ invalid_type_error: 'a number of minutes from 1 to 60' }).min(1, 'a number of minutes from 1 to 60').max(60, 'a number of minutes from 1 to 60').default(10),
    TAP_MODE: z.enum(['off', 'alongside', 'instead'], { errorMap: () => ({ message: 'off, alongside (the password and a Temporary Access Pass) or instead (only the pass)' }) }).default('off'),
    TAP_LIFETIME_MINUTES: z.coerce.number({ invalid_type_error: 'minutes from 10 to 43200' }).int('minutes from 10 to 43200').min(10, 'minutes from 10 to 43200').max(43_200, 'minutes from 10 to 43200').default(480),
    TAP_USABLE_ONCE: bool.default('true'),
    REQUESTER_MAY_REISSUE: bool.default('false'),
    // The welcome mail to the new person's personal address: sent from this service mailbox (its UPN); unset = none.
    // It is the mail's From header and a Graph path segment: a dot-atom (RFC 5322 §3.2.3), nothing a header reads as a list or a name.
    WELCOME_MAIL_FROM: z.string().regex(/^(?=[^@]{1,64}@)[A-Za-z0-9!$&*+=^_`{|}~-]+(?:\.[A-Za-z0-9!$&*+=^_`{|}~-]+)*@(?=.{1,253}$)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/,
      "the service mailbox's user name, like onboarding@contoso.com").optional(),
    WELCOME_MAIL_COPY_MANAGER: bool.default('false'),
    // Who receives the secret: the default, what the form offers, and the IT coordinator.
    SECRET_RECIPIENT_DEFAULT: z.enum(secretRecipientRoles, { errorMap: () => ({ message: 'requester, manager or coordinator' }) }).default('requester'),
    SECRET_RECIPIENT_CHOICES: z
      .string()
      .default('')
      .transform((value) => [...new Set(value.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))])
      .pipe(z.array(z.enum(secretRecipientRoles, { errorMap: () => ({ message: 'a comma-separated list of requester, manager, coordinator' }) }))),
    IT_COORDINATOR: z.string().regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^\s@/\\?%]{1,64}@[A-Za-z0-9.-]{1,48})$/i, "the IT coordinator's user name (it.desk@contoso.com) or Entra object id").optional(),
    INSTALL_APP_FOR_RECIPIENT: bool.default('false'),
    // Guests (Entra B2B): who sends the invitation, and where the guest lands after accepting it.
    GUEST_INVITATION: z.enum(['email', 'reveal'], { errorMap: () => ({ message: 'email (Microsoft emails the invitation to the invited address; the default) or reveal (its link goes to the recipient on a reveal card)' }) }).default('email'),
    GUEST_START_PAGE: z.enum(['teams', 'myapps'], { errorMap: () => ({ message: 'teams or myapps (where a guest lands after accepting)' }) }).default('teams'),
    TEAMS_APP_CATALOG_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "the bot's Teams app id in the organisation's app catalog (GET /appCatalogs/teamsApps)").optional(),
    // Where the bot writes a file a person allowed (the audit export): their OneDrive's host, or a domain above it; empty = by BOT_CLOUD.
    FILE_UPLOAD_HOSTS: z
      .string()
      .transform((value) => [...new Set(value.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))])
      .pipe(z.array(z.string().regex(/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
        "a comma-separated list of host names or domains, like contoso-my.sharepoint.com or sharepoint.com")))
      .optional(),
    // How long the bot keeps trying to reach a recipient while Teams refuses in a way that may pass (an installation on its way).
    RECIPIENT_REACH_RETRY_SECONDS: z.coerce.number({ invalid_type_error: 'seconds from 0 to 3600' }).int('seconds from 0 to 3600').min(0, 'seconds from 0 to 3600').max(3600, 'seconds from 0 to 3600').default(300),

    // Who may do what.
    ADMIN_GROUP_IDS: guidList,
    REQUESTER_GROUP_IDS: guidList,
    // The IT ticket channel, when set by configuration rather than by "set ticket channel".
    TICKET_CHANNEL_ID: z.string().max(512).default(''),
    TICKET_CHANNEL_SERVICE_URL: z.string().url('the Bot Connector service URL of the ticket channel').or(z.literal('')).default(''),
    APPROVAL_POLICY: z.enum(['none', 'non-admins', 'all'], { errorMap: () => ({ message: 'none, non-admins or all' }) }).default('non-admins'),
    ALLOW_SELF_APPROVAL: bool.default('false'),
    APPROVAL_EXPIRY_HOURS: z.coerce.number({ invalid_type_error: 'a number of hours from 1 to 720' }).min(1, 'a number of hours from 1 to 720').max(720, 'a number of hours from 1 to 720').default(72),
    ROLE_CACHE_SECONDS: z.coerce.number({ invalid_type_error: 'seconds from 0 to 3600' }).int().min(0).max(3600, 'seconds from 0 to 3600').default(60),
    REQUESTS_PER_HOUR_PER_REQUESTER: z.coerce.number({ invalid_type_error: 'a whole number from 1 to 10000' }).int().min(1).max(10_000).default(20),
    REQUESTS_PER_HOUR_TOTAL: z.coerce.number({ invalid_type_error: 'a whole number from 1 to 100000' }).int().min(1).max(100_000).default(200),
    // The Entra admin center's bulk create takes 50,000 rows a job.
    BULK_MAX_ROWS: z.coerce.number({ invalid_type_error: 'a whole number from 1 to 50000' }).int().min(1).max(50_000, 'a whole number from 1 to 50000').default(1000),
    // Entra's directory write budget per app and tenant, which bulks pace themselves to: writes/seconds.
    BULK_WRITE_BUDGET: z.string().regex(/^[1-9]\d{0,6}\/[1-9]\d{0,5}$/, 'writes/seconds, like 3000/150 (Entra\'s documented budget per app and tenant)').default('3000/150'),
    BULK_PER_ADMIN_PER_DAY: z.coerce.number({ invalid_type_error: 'a whole number from 1 to 100' }).int().min(1).max(100).default(5),

    // Account defaults.
    DEFAULT_USAGE_LOCATION: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code such as US').default('US'),
    UPN_PATTERN: z.enum(['given.surname', 'givensurname', 'gsurname', 'g.surname', 'givens', 'surname.given'], {
      errorMap: () => ({ message: 'one of given.surname, givensurname, gsurname, g.surname, givens, surname.given' }),
    }).default('given.surname'),
    PASSWORD_LENGTH: z.coerce.number({ invalid_type_error: 'a whole number from 14 to 256' }).int().min(14, 'at least 14').max(256).default(16),
    PASSWORD_AVOID_LOOKALIKES: bool.default('true'),
    CREATE_MARKER_ATTRIBUTE: z.coerce.number().int().min(1, 'an extension attribute number 1-15').max(15, 'an extension attribute number 1-15').default(15),

    // Key that seals a pending password until it is delivered (AES-256-GCM, base64 of 32 bytes).
    // Resuming unfinished requests: how often each instance looks, and how long a step belongs to the instance on it.
    RESUME_INTERVAL_SECONDS: z.coerce.number({ invalid_type_error: 'seconds from 1 to 3600' }).int('seconds from 1 to 3600').min(1, 'seconds from 1 to 3600').max(3600, 'seconds from 1 to 3600').default(30),
    // At most this many entries of the unfinished-request index per pass; the next pass goes on from there.
    RESUME_BATCH_SIZE: z.coerce.number({ invalid_type_error: 'a whole number from 1 to 5000' }).int('a whole number from 1 to 5000').min(1, 'a whole number from 1 to 5000').max(5000, 'a whole number from 1 to 5000').default(200),
    ONBOARDING_LEASE_SECONDS: z.coerce.number({ invalid_type_error: 'seconds from 1 to 3600' }).int('seconds from 1 to 3600').min(1, 'seconds from 1 to 3600').max(3600, 'seconds from 1 to 3600').default(120),

    SECRET_VAULT_KEY: z
      .string()
      .min(1, 'base64 of 32 random bytes')
      .refine((value) => isSealingKey(value), 'base64 of 32 random bytes')
      .optional(),
    // …or that key as a Key Vault secret, read at start-up as a managed identity.
    KEY_VAULT_URL: httpsUrl.optional(),
    CREDENTIAL_KEY_SECRET_NAME: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'a Key Vault secret name (1-127 letters, digits and hyphens)').default('credential-sealing-key'),
  });

/** The credential-sealing key as the environment or Key Vault holds it: base64 of exactly 32 bytes. */
export function isSealingKey(value: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) && Buffer.from(value, 'base64').length === 32;
}

const DIRECTORY_DEFAULTS = { GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com', GRAPH_BASE_URL: 'https://graph.microsoft.com' } as const;
const REMOTE_DIRECTORY_VARIABLES = Object.keys(DIRECTORY_DEFAULTS) as (keyof typeof DIRECTORY_DEFAULTS)[];

function isLoopbackUrl(value: string): boolean {
  try {
    const hostname = new URL(value).hostname.replace(/^\[|\]$/g, '');
    return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
  } catch {
    return false;
  }
}

/**
 * Rules that span variables. They read the raw strings so they run even when single
 * variables are invalid: one error then lists every problem at once.
 */
function crossVariableProblems(raw: Record<string, string | undefined>): { variable: string; expected: string }[] {
  const problems: { variable: string; expected: string }[] = [];
  const problem = (variable: string, expected: string) => problems.push({ variable, expected });
  const mode = raw.APP_MODE ?? 'local';
  const host = raw.HOST ?? '127.0.0.1';
  const managedIdentity = ['true', '1', 'yes'].includes(raw.GRAPH_USE_MANAGED_IDENTITY ?? '');
  if (mode === 'local') {
    if (!LOOPBACK_HOSTS.has(host)) {
      problem('HOST', 'a loopback address (127.0.0.1) in local mode, where Bot Framework traffic is not authenticated');
    }
    if (!['true', '1', 'yes'].includes(raw.LOCAL_ALLOW_REMOTE_DIRECTORY ?? '')) {
      for (const variable of REMOTE_DIRECTORY_VARIABLES) {
        if (!isLoopbackUrl(raw[variable] ?? DIRECTORY_DEFAULTS[variable])) {
          problem(variable, `a loopback URL (the local tenant, https://127.0.0.1:44300) in local mode, where anyone who can reach the bot acts unauthenticated; to create accounts in a real tenant from local mode anyway, also set LOCAL_ALLOW_REMOTE_DIRECTORY=true`);
        }
      }
    }
  } else if (mode === 'tenant') {
    if (!GUID.test(raw.BOT_ID ?? '')) problem('BOT_ID', 'the Azure Bot app id (a GUID) in tenant mode');
    if ((raw.BOT_APP_TYPE ?? 'SingleTenant') === 'SingleTenant' && Boolean(raw.BOT_PASSWORD) === Boolean(raw.BOT_CERTIFICATE_PATH)) {
      problem('BOT_PASSWORD', raw.BOT_PASSWORD
        ? 'either BOT_PASSWORD or BOT_CERTIFICATE_PATH, not both'
        : "the bot app registration's client secret in tenant mode (or BOT_CERTIFICATE_PATH: its certificate)");
    }
    if (raw.BOT_APP_TYPE === 'UserAssignedMSI' && raw.BOT_CERTIFICATE_PATH) {
      problem('BOT_CERTIFICATE_PATH', 'no value with BOT_APP_TYPE=UserAssignedMSI (the bot gets its tokens as the managed identity BOT_ID)');
    }
    if (raw.BOT_CERTIFICATE_PATH && !existsSync(raw.BOT_CERTIFICATE_PATH)) {
      problem('BOT_CERTIFICATE_PATH', 'the path of an existing PEM file with the bot\'s certificate and its private key');
    }
    // A bot that is a managed identity has no secret; botbuilder refuses one.
    if (raw.BOT_APP_TYPE === 'UserAssignedMSI' && raw.BOT_PASSWORD) {
      problem('BOT_PASSWORD', 'no value with BOT_APP_TYPE=UserAssignedMSI (the bot gets its tokens as the managed identity BOT_ID)');
    }
    // The bot sends its Bot Connector token to this URL: never in clear.
    if (raw.TICKET_CHANNEL_SERVICE_URL && !raw.TICKET_CHANNEL_SERVICE_URL.startsWith('https://')) {
      problem('TICKET_CHANNEL_SERVICE_URL', 'an https URL in tenant mode (the bot sends its Bot Connector token there)');
    }
  }
  if (!GUID.test(raw.GRAPH_CLIENT_ID ?? '') && !(managedIdentity && !raw.GRAPH_CLIENT_ID)) {
    problem('GRAPH_CLIENT_ID', "the Graph app registration's client id (a GUID)");
  }
  const credentials = [Boolean(raw.GRAPH_CLIENT_SECRET), Boolean(raw.GRAPH_CERTIFICATE_PATH), managedIdentity].filter(Boolean).length;
  if (credentials !== 1) {
    problem('GRAPH_CLIENT_SECRET', 'exactly one Graph credential: GRAPH_CLIENT_SECRET, GRAPH_CERTIFICATE_PATH or GRAPH_USE_MANAGED_IDENTITY=true');
  }
  if (Boolean(raw.TICKET_CHANNEL_ID) !== Boolean(raw.TICKET_CHANNEL_SERVICE_URL)) {
    problem(raw.TICKET_CHANNEL_ID ? 'TICKET_CHANNEL_SERVICE_URL' : 'TICKET_CHANNEL_ID', 'both TICKET_CHANNEL_ID and TICKET_CHANNEL_SERVICE_URL, or neither');
  }
  const storageUrls = [raw.STORAGE_BLOB_URL, raw.STORAGE_TABLE_URL].filter(Boolean).length;
  if (raw.STORAGE_CONNECTION_STRING ? storageUrls > 0 : storageUrls === 0) {
    problem('STORAGE_CONNECTION_STRING', 'an Azure Storage connection string (UseDevelopmentStorage=true for Azurite), or instead STORAGE_BLOB_URL and STORAGE_TABLE_URL (reached as a managed identity), not both');
  } else if (storageUrls === 1) {
    problem(raw.STORAGE_BLOB_URL ? 'STORAGE_TABLE_URL' : 'STORAGE_BLOB_URL', 'both STORAGE_BLOB_URL and STORAGE_TABLE_URL (the account\'s blob and table endpoints)');
  }
  if (Boolean(raw.SECRET_VAULT_KEY) === Boolean(raw.KEY_VAULT_URL)) {
    problem('SECRET_VAULT_KEY', 'base64 of 32 random bytes (openssl rand -base64 32), or instead KEY_VAULT_URL (the key as a Key Vault secret), not both');
  }
  const recipientDefault = (raw.SECRET_RECIPIENT_DEFAULT ?? 'requester').trim().toLowerCase();
  const recipientChoices = (raw.SECRET_RECIPIENT_CHOICES ?? '').split(',').map((part) => part.trim().toLowerCase()).filter(Boolean);
  if (recipientChoices.length > 0 && !recipientChoices.includes(recipientDefault)) {
    problem('SECRET_RECIPIENT_CHOICES', `a list that includes SECRET_RECIPIENT_DEFAULT (${recipientDefault})`);
  }
  if ((recipientDefault === 'coordinator' || recipientChoices.includes('coordinator')) && !raw.IT_COORDINATOR) {
    problem('IT_COORDINATOR', "the IT coordinator's user name or object id, since the secret may go to the coordinator");
  }
  if (['true', '1', 'yes'].includes(raw.INSTALL_APP_FOR_RECIPIENT ?? '') && !raw.TEAMS_APP_CATALOG_ID) {
    problem('TEAMS_APP_CATALOG_ID', "the bot's Teams app id in the app catalog, since INSTALL_APP_FOR_RECIPIENT=true installs it for recipients");
  }
  if (raw.GRAPH_CERTIFICATE_PATH && !existsSync(raw.GRAPH_CERTIFICATE_PATH)) {
    problem('GRAPH_CERTIFICATE_PATH', 'the path of an existing PEM file with the certificate and its private key');
  }
  return problems;
}

export type Environment = z.infer<typeof environmentSchema>;

/** How the bot reaches Azure Storage: an account key in a connection string, or a managed identity's token. */
export type StorageAccessConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'managedIdentity'; blobUrl: string; tableUrl: string; clientId?: string };

/**
 * Where the credential-sealing key comes from: the environment, or a Key Vault secret read as a
 * managed identity. `verifyChallengeResource` is false only for a vault on a loopback address (the
 * local tenant's), whose host can never be a subdomain of vault.azure.net as the SDK's check wants.
 */
export type SealingKeyConfig =
  | { kind: 'value'; key: Buffer }
  | { kind: 'keyVault'; vaultUrl: string; secretName: string; clientId?: string; verifyChallengeResource: boolean };

/** Every variable the schema reads, for cross-checks against infra/ and the env samples. */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.freeze(Object.keys(environmentSchema.shape));

export type GraphCredentialConfig =
  | { kind: 'clientSecret'; clientId: string; clientSecret: string }
  | { kind: 'certificate'; clientId: string; certificatePath: string }
  | { kind: 'managedIdentity'; clientId?: string };

export interface AppConfig {
  readonly mode: 'local' | 'tenant';
  readonly server: { readonly host: string; readonly port: number; readonly shutdownGraceMs: number };
  readonly logLevel: Environment['LOG_LEVEL'];
  /** Application Insights, when configured: requests, dependencies and logs through OpenTelemetry. */
  readonly telemetry?: { readonly connectionString: string } | undefined;
  readonly bot: {
    readonly appId: string;
    readonly appPassword: string;
    /** PEM with the certificate and private key that sign the bot's token requests; '' = none (secret or managed identity). */
    readonly certificatePath: string;
    readonly appType: Environment['BOT_APP_TYPE'];
    readonly tenantId: string;
    /** Bot Framework endpoints off the public cloud (BOT_CLOUD's, or single BOT_* endpoints over them); undefined = public cloud. */
    readonly cloud?: BotFrameworkCloud | undefined;
    /** Replies need credentials that skip MSAL's instance discovery: a single-tenant secret off Microsoft's public login. */
    readonly skipInstanceDiscovery: boolean;
  };
  readonly tenantId: string;
  readonly graph: {
    readonly authorityHost: string;
    readonly baseUrl: string;
    readonly credential: GraphCredentialConfig;
    /** MSAL knows only Microsoft's own login hosts; any other authority (the local tenant, a private cloud) skips its discovery. */
    readonly disableInstanceDiscovery: boolean;
  };
  readonly storage: {
    readonly access: StorageAccessConfig;
    /** The bot's state (conversation state, drafts, addresses). */
    readonly container: string;
    readonly requestsContainer: string;
    readonly limitsContainer: string;
    readonly auditTable: string;
    /** Sealed credentials until they are revealed or expire (Table Storage: deletes are final). */
    readonly credentialsTable: string;
    /** Onboarding templates. */
    readonly templatesTable: string;
  };
  /** A templates file imported at start while there are none (the local launcher's Marketing template). */
  readonly templatesSeedFile?: string | undefined;
  readonly roles: { readonly adminGroupIds: readonly string[]; readonly requesterGroupIds: readonly string[] };
  readonly approval: { readonly mode: Environment['APPROVAL_POLICY']; readonly allowSelfApproval: boolean; readonly expiresAfterMs: number };
  readonly roleCacheMs: number;
  readonly rateLimits: { readonly perRequesterPerHour: number; readonly totalPerHour: number };
  /** Bulk onboarding's own limits, separate from the per-person request limits. */
  readonly bulk: { readonly maxRows: number; readonly perAdminPerDay: number; readonly writeBudget: { readonly capacity: number; readonly perSeconds: number } };
  /** The ticket channel from configuration (conversation id + service URL), if any. */
  readonly ticketChannel?: { readonly conversationId: string; readonly serviceUrl: string } | undefined;
  readonly accounts: {
    readonly defaultUsageLocation: string;
    readonly upnPattern: Environment['UPN_PATTERN'];
    readonly passwordLength: number;
    readonly passwordAvoidLookalikes: boolean;
    readonly createMarkerAttribute: number;
  };
  /** The AES-256 key that seals a credential until it is delivered. */
  readonly sealingKey: SealingKeyConfig;
  /** Every instance resumes up to `batchSize` unfinished requests every `intervalMs`; a step's lease lasts `leaseMs`. */
  readonly resume: { readonly intervalMs: number; readonly leaseMs: number; readonly batchSize: number };
  /** The service mailbox welcome mails are sent from; undefined = no welcome mail. */
  readonly welcomeMail?: { readonly from: string } | undefined;
  /** Reaching a recipient who never wrote to the bot: install the app for them through Graph first (where allowed). */
  readonly recipientReach: { readonly installApp: boolean; readonly teamsAppCatalogId?: string | undefined };
  /** Hosts (or domains above them) the bot uploads a file to when a person allows it: their OneDrive for Business. */
  readonly fileUploadHosts: readonly string[];
  /** The onboarding policy the workflow runs with: the values above, the domain's safety limits for the rest. */
  readonly onboarding: OnboardingPolicy;
  /** Human-readable warnings worth printing at start-up (never containing secrets). */
  readonly warnings: readonly string[];
}

/** Where the bot checks inbound tokens and gets outbound ones (botbuilder's ToBotFromChannel…/ToChannelFromBot… options). */
export interface BotFrameworkCloud {
  readonly openIdMetadataUrl: string;
  readonly tokenIssuer: string;
  /** Authority including the tenant, e.g. https://login.microsoftonline.us/{tenant id}. */
  readonly loginUrl: string;
  /** The Bot Connector resource: the audience of the bot's tokens, for replies and for opening conversations alike. */
  readonly oauthScope: string;
  /** Set on every authenticated inbound activity (botbuilder's CallerId); none is defined for China. */
  readonly callerId?: string | undefined;
  /** The user token service (botbuilder's OAuthUrl; this bot signs nobody in, but botbuilder wants one). */
  readonly oauthUrl: string;
  readonly emulatorOpenIdMetadataUrl: string;
}

/** One cloud's Bot Framework values, the login URL without the tenant. */
type BotFrameworkCloudPreset = Omit<BotFrameworkCloud, 'loginUrl'> & { readonly loginUrlPrefix: string };

/**
 * Microsoft's clouds as Bot Framework knows them. Public: botbuilder's AuthenticationConstants.
 * US Government: botbuilder's GovernmentConstants and CallerIdConstants.USGovChannel ("Configure
 * Bot Framework bots for US Government customers",
 * https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-gov-cloud-high); DoD differs only
 * in its user token service (the Teams SDK's US_GOV_DOD preset). China (21Vianet): "Configure a bot
 * in Microsoft Azure operated by 21Vianet", https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-china-cloud,
 * which names no caller id.
 */
export const BOT_FRAMEWORK_CLOUDS = {
  public: {
    openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
    tokenIssuer: 'https://api.botframework.com',
    loginUrlPrefix: 'https://login.microsoftonline.com/',
    oauthScope: 'https://api.botframework.com',
    callerId: 'urn:botframework:azure',
    oauthUrl: 'https://api.botframework.com',
    emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  },
  usgov: {
    openIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
    tokenIssuer: 'https://api.botframework.us',
    loginUrlPrefix: 'https://login.microsoftonline.us/',
    oauthScope: 'https://api.botframework.us',
    callerId: 'urn:botframework:azureusgov',
    oauthUrl: 'https://api.botframework.azure.us',
    emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0/.well-known/openid-configuration',
  },
  usgovdod: {
    openIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
    tokenIssuer: 'https://api.botframework.us',
    loginUrlPrefix: 'https://login.microsoftonline.us/',
    oauthScope: 'https://api.botframework.us',
    callerId: 'urn:botframework:azureusgov',
    oauthUrl: 'https://apiDoD.botframework.azure.us',
    emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0/.well-known/openid-configuration',
  },
  china: {
    openIdMetadataUrl: 'https://login.botframework.azure.cn/v1/.well-known/openidconfiguration',
    tokenIssuer: 'https://api.botframework.azure.cn',
    loginUrlPrefix: 'https://login.partner.microsoftonline.cn/',
    oauthScope: 'https://api.botframework.azure.cn',
    callerId: undefined,
    oauthUrl: 'https://token.botframework.azure.cn',
    emulatorOpenIdMetadataUrl: 'https://login.partner.microsoftonline.cn/a55a4d5b-9241-49b1-b4ff-befa8db00269/v2.0/.well-known/openid-configuration',
  },
} as const satisfies Record<string, BotFrameworkCloudPreset>;

/**
 * Where OneDrive for Business lives in each cloud, which is where Teams' upload URL for a file a
 * person allowed points ("Send and receive files using bot": "the OneDrive for Business placeholder
 * URL", https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4). SharePoint
 * Online and OneDrive for Business endpoints, "Microsoft 365 URLs and IP address ranges" and its
 * sovereign pages (https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges):
 * <tenant>-my.sharepoint.com worldwide, *.sharepoint.us in GCC High, *.sharepoint-mil.us and *.dps.mil
 * in DoD, *.sharepoint.cn in 21Vianet. Microsoft documents no example of the upload URL itself.
 */
const ONEDRIVE_HOSTS = {
  public: ['sharepoint.com'], usgov: ['sharepoint.us'], usgovdod: ['sharepoint-mil.us', 'dps.mil'], china: ['sharepoint.cn'],
} as const satisfies Record<string, readonly string[]>;
/** Local mode: the stand-in OneDrive of the tests and the Playground, on loopback. */
const LOOPBACK_UPLOAD_HOSTS = ['127.0.0.1', 'localhost'];

/** Microsoft's public cloud, as botbuilder's AuthenticationConstants has it. */
export const PUBLIC_BOT_FRAMEWORK_CLOUD = BOT_FRAMEWORK_CLOUDS.public;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly { variable: string; expected: string }[]) {
    super(
      `The configuration is incomplete or invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: expected ${p.expected}`).join('\n') +
        '\nSet them in env/.env.<name> (or env/.env.<name>.user for secrets) or in the environment; see env/.env.dev.sample.',
    );
    this.name = 'ConfigError';
  }
}

/** Parses an environment record into a frozen config, or throws one ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const variable = String(issue.path[0] ?? '(environment)');
          // zod's own "Required" says nothing about what to put there; keep our sentences, never the received value.
          const expected = issue.message === 'Required' ? describeRequired(variable) : issue.message;
          return { variable, expected };
        })),
    ...crossVariableProblems(cleaned),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(dedupe(problems));
  const env = parsed.data;
  const credential: GraphCredentialConfig = env.GRAPH_CLIENT_SECRET
    ? { kind: 'clientSecret', clientId: env.GRAPH_CLIENT_ID, clientSecret: env.GRAPH_CLIENT_SECRET }
    : env.GRAPH_CERTIFICATE_PATH
      ? { kind: 'certificate', clientId: env.GRAPH_CLIENT_ID, certificatePath: resolve(env.GRAPH_CERTIFICATE_PATH) }
      : { kind: 'managedIdentity', ...(env.GRAPH_CLIENT_ID ? { clientId: env.GRAPH_CLIENT_ID } : {}) };

  const warnings: string[] = [];
  if (!env.WELCOME_MAIL_FROM) {
    warnings.push('WELCOME_MAIL_FROM is not set: no welcome email goes to new people, even when a request gives a personal email (the ticket says so).');
  }
  if (env.GUEST_INVITATION === 'reveal') {
    warnings.push('GUEST_INVITATION is reveal: guest invitation links go to the recipient on a reveal card and are handed over by people, instead of Microsoft emailing the invited address. Use email unless its delivery is unreliable.');
  }
  if (env.CREDENTIAL_DELIVERY === 'message') {
    warnings.push('CREDENTIAL_DELIVERY is message: temporary passwords are sent as chat messages and stay in chat history, backups and compliance exports. Use reveal unless your organisation requires the old card.');
  }
  // No groups is not an error: the bot starts, refuses every creation, and says so here.
  if (env.ADMIN_GROUP_IDS.length === 0 && env.REQUESTER_GROUP_IDS.length === 0) {
    warnings.push('No ADMIN_GROUP_IDS or REQUESTER_GROUP_IDS are set: nobody may request or create accounts until an Entra group is configured.');
  } else if (env.ADMIN_GROUP_IDS.length === 0) {
    warnings.push('No ADMIN_GROUP_IDS are set: requests can be made but nobody can approve them or create accounts directly.');
  }

  const remote = REMOTE_DIRECTORY_VARIABLES.filter((variable) => !isLoopbackUrl(env[variable]));
  if (env.APP_MODE === 'local' && remote.length > 0) {
    warnings.push(
      `LOCAL MODE IS USING A REAL DIRECTORY (${remote.map((variable) => `${variable}=${env[variable]}`).join(', ')}) because LOCAL_ALLOW_REMOTE_DIRECTORY=true: ` +
        'nobody who reaches this bot is authenticated, and every account it creates is real.',
    );
  }

  const preset: BotFrameworkCloudPreset = BOT_FRAMEWORK_CLOUDS[env.BOT_CLOUD];
  const { loginUrlPrefix, ...presetValues } = preset;
  const cloud: BotFrameworkCloud | undefined = env.BOT_CLOUD !== 'public' || env.BOT_OPENID_METADATA_URL || env.BOT_TOKEN_ISSUER || env.BOT_LOGIN_URL || env.BOT_OAUTH_SCOPE
    ? {
        ...presetValues,
        openIdMetadataUrl: env.BOT_OPENID_METADATA_URL ?? preset.openIdMetadataUrl,
        tokenIssuer: env.BOT_TOKEN_ISSUER ?? preset.tokenIssuer,
        loginUrl: env.BOT_LOGIN_URL ?? `${loginUrlPrefix}${env.TENANT_ID}`,
        oauthScope: env.BOT_OAUTH_SCOPE ?? preset.oauthScope,
      }
    : undefined;
  const approval = { mode: env.APPROVAL_POLICY, allowSelfApproval: env.ALLOW_SELF_APPROVAL, expiresAfterMs: env.APPROVAL_EXPIRY_HOURS * 3_600_000 };
  const leaseMs = env.ONBOARDING_LEASE_SECONDS * 1000;

  return deepFreeze({
    mode: env.APP_MODE,
    server: { host: env.HOST, port: env.PORT, shutdownGraceMs: env.SHUTDOWN_GRACE_MS },
    logLevel: env.LOG_LEVEL,
    telemetry: env.APPLICATIONINSIGHTS_CONNECTION_STRING ? { connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING } : undefined,
    // Local mode never authenticates Bot Framework traffic (loopback only), whatever BOT_ID says;
    // BOT_ID is then only the id written into the local app package.
    bot: {
      appId: env.APP_MODE === 'local' ? '' : env.BOT_ID,
      appPassword: env.APP_MODE === 'local' ? '' : env.BOT_PASSWORD,
      certificatePath: env.APP_MODE === 'local' || !env.BOT_CERTIFICATE_PATH ? '' : resolve(env.BOT_CERTIFICATE_PATH),
      appType: env.BOT_APP_TYPE,
      tenantId: env.TENANT_ID,
      // botbuilder takes its parameterized path as soon as one endpoint is given and then uses
      // only what it is given, so the unset ones get their public-cloud values above.
      cloud,
      skipInstanceDiscovery: env.APP_MODE === 'tenant' && env.BOT_APP_TYPE === 'SingleTenant' && !!cloud
        && !cloud.loginUrl.startsWith(PUBLIC_BOT_FRAMEWORK_CLOUD.loginUrlPrefix),
    },
    tenantId: env.TENANT_ID,
    graph: {
      authorityHost: env.GRAPH_AUTHORITY_HOST,
      baseUrl: env.GRAPH_BASE_URL,
      credential,
      disableInstanceDiscovery: !/^https:\/\/login\.microsoftonline\.(com|us)$|^https:\/\/login\.chinacloudapi\.cn$/.test(env.GRAPH_AUTHORITY_HOST),
    },
    storage: {
      access: env.STORAGE_CONNECTION_STRING
        ? { kind: 'connectionString', connectionString: env.STORAGE_CONNECTION_STRING }
        : { kind: 'managedIdentity', blobUrl: env.STORAGE_BLOB_URL ?? '', tableUrl: env.STORAGE_TABLE_URL ?? '', ...(env.AZURE_CLIENT_ID ? { clientId: env.AZURE_CLIENT_ID } : {}) },
      container: env.STORAGE_CONTAINER,
      requestsContainer: `${env.STORAGE_CONTAINER}-requests`.slice(0, 63),
      limitsContainer: `${env.STORAGE_CONTAINER}-limits`.slice(0, 63),
      auditTable: env.AUDIT_TABLE,
      credentialsTable: env.CREDENTIALS_TABLE,
      templatesTable: env.TEMPLATES_TABLE,
    },
    ...(env.TEMPLATES_SEED_FILE ? { templatesSeedFile: env.TEMPLATES_SEED_FILE } : {}),
    roles: { adminGroupIds: env.ADMIN_GROUP_IDS, requesterGroupIds: env.REQUESTER_GROUP_IDS },
    approval,
    roleCacheMs: env.ROLE_CACHE_SECONDS * 1000,
    rateLimits: { perRequesterPerHour: env.REQUESTS_PER_HOUR_PER_REQUESTER, totalPerHour: env.REQUESTS_PER_HOUR_TOTAL },
    bulk: {
      maxRows: env.BULK_MAX_ROWS, perAdminPerDay: env.BULK_PER_ADMIN_PER_DAY,
      writeBudget: { capacity: Number(env.BULK_WRITE_BUDGET.split('/')[0]), perSeconds: Number(env.BULK_WRITE_BUDGET.split('/')[1]) },
    },
    ticketChannel: env.TICKET_CHANNEL_ID && env.TICKET_CHANNEL_SERVICE_URL ? { conversationId: env.TICKET_CHANNEL_ID, serviceUrl: env.TICKET_CHANNEL_SERVICE_URL } : undefined,
    accounts: {
      defaultUsageLocation: env.DEFAULT_USAGE_LOCATION,
      upnPattern: env.UPN_PATTERN,
      passwordLength: env.PASSWORD_LENGTH,
      passwordAvoidLookalikes: env.PASSWORD_AVOID_LOOKALIKES,
      createMarkerAttribute: env.CREATE_MARKER_ATTRIBUTE,
    },
    sealingKey: env.SECRET_VAULT_KEY
      ? { kind: 'value', key: Buffer.from(env.SECRET_VAULT_KEY, 'base64') }
      : {
          kind: 'keyVault',
          vaultUrl: env.KEY_VAULT_URL ?? '',
          secretName: env.CREDENTIAL_KEY_SECRET_NAME,
          ...(env.AZURE_CLIENT_ID ? { clientId: env.AZURE_CLIENT_ID } : {}),
          verifyChallengeResource: !isLoopbackUrl(env.KEY_VAULT_URL ?? ''),
        },
    resume: { intervalMs: env.RESUME_INTERVAL_SECONDS * 1000, leaseMs, batchSize: env.RESUME_BATCH_SIZE },
    welcomeMail: env.WELCOME_MAIL_FROM ? { from: env.WELCOME_MAIL_FROM } : undefined,
    recipientReach: { installApp: env.INSTALL_APP_FOR_RECIPIENT, ...(env.TEAMS_APP_CATALOG_ID ? { teamsAppCatalogId: env.TEAMS_APP_CATALOG_ID } : {}) },
    fileUploadHosts: env.FILE_UPLOAD_HOSTS?.length ? env.FILE_UPLOAD_HOSTS : [...ONEDRIVE_HOSTS[env.BOT_CLOUD], ...(env.APP_MODE === 'local' ? LOOPBACK_UPLOAD_HOSTS : [])],
    onboarding: {
      ...defaultOnboardingPolicy,
      leaseMs,
      reachRetry: { ...defaultOnboardingPolicy.reachRetry, windowMs: env.RECIPIENT_REACH_RETRY_SECONDS * 1000 },
      aliasPattern: env.UPN_PATTERN,
      password: { length: env.PASSWORD_LENGTH, avoidLookAlikes: env.PASSWORD_AVOID_LOOKALIKES },
      approval,
      credentials: {
        delivery: env.CREDENTIAL_DELIVERY,
        revealWindowMs: env.REVEAL_WINDOW_HOURS * 3_600_000,
        revealGraceMs: env.REVEAL_GRACE_MINUTES * 60_000,
        temporaryAccessPass: { mode: env.TAP_MODE, lifetimeMinutes: env.TAP_LIFETIME_MINUTES, usableOnce: env.TAP_USABLE_ONCE },
        requesterMayReissue: env.REQUESTER_MAY_REISSUE,
        recipient: {
          default: env.SECRET_RECIPIENT_DEFAULT,
          choices: env.SECRET_RECIPIENT_CHOICES.length > 0 ? env.SECRET_RECIPIENT_CHOICES : [env.SECRET_RECIPIENT_DEFAULT],
          ...(env.IT_COORDINATOR ? { coordinator: env.IT_COORDINATOR } : {}),
        },
      },
      welcomeMail: { ...defaultOnboardingPolicy.welcomeMail, copyManager: env.WELCOME_MAIL_COPY_MANAGER },
      guests: { invitation: env.GUEST_INVITATION, redirectUrl: guestStartPage(env.GUEST_START_PAGE, env.TENANT_ID) },
    },
    warnings,
  });
}

/**
 * Reads env/.env.<name> and then env/.env.<name>.user (secrets, never committed); values
 * already in `overrides` (the real environment) win. Missing files are fine.
 */
export function readEnvironment(envName: string, projectRoot: string, overrides: Record<string, string | undefined>): Record<string, string | undefined> {
  if (!/^[a-z0-9-]+$/.test(envName)) throw new ConfigError([{ variable: 'APP_ENV', expected: 'a name of lowercase letters, digits and hyphens (local, dev, …)' }]);
  const merged: Record<string, string | undefined> = {};
  for (const file of [`env/.env.${envName}`, `env/.env.${envName}.user`]) {
    const path = resolve(projectRoot, file);
    if (existsSync(path)) Object.assign(merged, parseEnv(readFileSync(path, 'utf8')));
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return merged;
}

/** The environment as the process was started with; the only read of process.env in the bot. */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/**
 * Where a guest lands after accepting: Teams with our tenant in the URL, so it is in their tenant
 * picker (learn.microsoft.com/entra/external-id/invite-internal-users), or My Apps for our tenant
 * (learn.microsoft.com/entra/external-id/redemption-experience).
 */
export function guestStartPage(page: 'teams' | 'myapps', tenantId: string): string {
  return page === 'teams' ? `https://teams.microsoft.com/?tenantId=${tenantId}` : `https://myapps.microsoft.com/?tenantid=${tenantId}`;
}

function describeRequired(variable: string): string {
  switch (variable) {
    case 'TENANT_ID':
      return 'a GUID (the Entra tenant id the bot serves)';
    default:
      return 'a value';
  }
}

function dedupe(problems: { variable: string; expected: string }[]) {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.variable}:${p.expected}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
