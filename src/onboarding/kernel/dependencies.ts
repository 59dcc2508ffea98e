/** Everything the onboarding use cases talk to: the ports, the policy, and this process's name. */
import type {
  AuditLog, AuditReader, Clock, CredentialDelivery, CredentialStore, Directory, RandomSource, RequestHistory, RequesterNotice, RequestStore,
  SecretVault, TicketChannel, VerifiedDomain, WelcomeMailer,
} from './ports.js';
import type { OnboardingPolicy } from '../rules/policy.js';
import type { GuestDirectory } from '../guests/ports.js';
import type { RateLimiter } from '../rules/rate-limit.js';
import type { RoleResolver } from '../rules/roles.js';
import type { TemplateDirectory, TemplateStore } from '../templates/ports.js';

/** What the request workflow (process, approve, resume) needs. */
export interface OnboardingDependencies {
  readonly directory: Directory;
  readonly delivery: CredentialDelivery;
  readonly tickets: TicketChannel;
  readonly store: RequestStore;
  readonly audit: AuditLog;
  readonly vault: SecretVault;
  /** Sealed credentials, each in its own entry with an expiry; never in the request record. */
  readonly credentials: CredentialStore;
  /** Guest invitations (Entra B2B); absent = the guest path is not offered. */
  readonly guests?: GuestDirectory | undefined;
  /** Sends the welcome mail from the service mailbox; absent = no welcome mail is sent (WELCOME_MAIL_FROM unset). */
  readonly mailer?: WelcomeMailer | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly policy: OnboardingPolicy;
  /** Names this process in leases and audit events. */
  readonly instanceId: string;
  /** Set by the request runner: state changes keep their audit events in the record until the run ends (record-kernel). */
  readonly auditInOutbox?: boolean | undefined;
  /**
   * Set by a resume pass: a step that would wait (for a recipient Teams does not let in yet) leaves
   * the request for a later pass instead, so one request never holds up the others in the pass.
   */
  readonly resumePass?: boolean | undefined;
  /** The tenant's verified domains, remembered briefly; absent → read from the directory each time. */
  readonly verifiedDomains?: (() => Promise<VerifiedDomain[]>) | undefined;
  /** Onboarding templates; absent = templates play no part (no groups, no licences). */
  readonly templates?: TemplateStore | undefined;
  /** The directory's groups and licences, for applying templates. */
  readonly templateDirectory?: TemplateDirectory | undefined;
}

/** What the people-facing use cases need on top: who may do what, limits, and the history. */
export interface RequestDeskDependencies extends OnboardingDependencies {
  readonly roles: RoleResolver;
  readonly rateLimiter: RateLimiter;
  readonly rateLimits: { readonly perRequesterPerHour: number; readonly totalPerHour: number };
  readonly notice: RequesterNotice;
  readonly history: RequestHistory;
  readonly auditTrail: AuditReader;
  /** Prefilled in a new form. */
  readonly defaultUsageLocation: string;
}
