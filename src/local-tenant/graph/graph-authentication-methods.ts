import { randomInt, randomUUID } from 'node:crypto';
import type { DirectoryState, DirectoryUser, StoredTemporaryAccessPass, TemporaryAccessPassPolicy } from '../directory.js';
import { GraphError, json, noContent, notFound, type ApiResponse } from '../responses.js';
import { hashSecret } from '../entra/secrets.js';

/** What the authentication-method endpoints need from the Graph emulator. */
export interface AuthenticationMethodsContext {
  baseUrl: string;
  state(): DirectoryState;
  save(): void;
  findUser(key: string, now: Date, isRead: boolean): DirectoryUser;
  context(fragment: string): string;
}

const LIFETIME_BOUNDS = { min: 10, max: 43200 };
const LENGTH_BOUNDS = { min: 8, max: 48 };
const POLICY_ID = 'TemporaryAccessPass';
// The refusal Graph gives when the policy does not allow TAP (graph.md, observed).
const POLICY_DISABLED_MESSAGE = 'Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].';

/**
 * Temporary Access Pass methods of a user (authentication-post-temporaryaccesspassmethods.md and
 * the temporaryAccessPassAuthenticationMethod resource) and the tenant's TAP policy
 * (temporaryaccesspassauthenticationmethodconfiguration.md).
 */
export class AuthenticationMethodsApi {
  constructor(private readonly ctx: AuthenticationMethodsContext) {}

  createTemporaryAccessPass(key: string, body: unknown, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    // howto-authentication-temporary-access-pass: "If you try to add a TAP to an external guest account … you'll receive an
    // error stating Temporary Access Pass cannot be added to an external guest user."
    if (user.userType === 'Guest' || user.creationType === 'Invitation') throw new GraphError(400, 'badRequest', 'Temporary Access Pass cannot be added to an external guest user.');
    const policy = this.ctx.state().temporaryAccessPassPolicy;
    const fields = (body ?? {}) as Record<string, unknown>;
    if (typeof fields !== 'object' || Array.isArray(fields)) throw new GraphError(400, 'badRequest', 'Invalid request body.');
    for (const name of Object.keys(fields)) {
      if (!['lifetimeInMinutes', 'isUsableOnce', 'startDateTime', '@odata.type'].includes(name)) {
        throw new GraphError(400, 'badRequest', `Property '${name}' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethod'.`);
      }
    }
    if (policy.state !== 'enabled') throw new GraphError(400, 'badRequest', POLICY_DISABLED_MESSAGE);
    const lifetime = fields['lifetimeInMinutes'] ?? policy.defaultLifetimeInMinutes;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < LIFETIME_BOUNDS.min || lifetime > LIFETIME_BOUNDS.max) {
      throw new GraphError(400, 'badRequest', `The value of lifetimeInMinutes must be an integer between ${LIFETIME_BOUNDS.min} and ${LIFETIME_BOUNDS.max}.`);
    }
    if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
      throw new GraphError(400, 'badRequest', `The lifetimeInMinutes ${lifetime} is outside the range the Temporary Access Pass policy allows (${policy.minimumLifetimeInMinutes}–${policy.maximumLifetimeInMinutes}).`);
    }
    const isUsableOnce = fields['isUsableOnce'] ?? policy.isUsableOnce;
    if (typeof isUsableOnce !== 'boolean') throw new GraphError(400, 'badRequest', "Cannot convert the value of 'isUsableOnce' to Edm.Boolean.");
    if (policy.isUsableOnce && !isUsableOnce) {
      throw new GraphError(400, 'badRequest', 'The Temporary Access Pass policy only allows one-time passes (isUsableOnce must be true).');
    }
    let start = now;
    if (fields['startDateTime'] !== undefined) {
      if (typeof fields['startDateTime'] !== 'string' || Number.isNaN(Date.parse(fields['startDateTime']))) {
        throw new GraphError(400, 'badRequest', "Cannot convert the value of 'startDateTime' to Edm.DateTimeOffset.");
      }
      start = new Date(fields['startDateTime']);
    }
    const value = newTemporaryAccessPassValue(policy.defaultLength);
    const pass: StoredTemporaryAccessPass = {
      id: randomUUID(),
      createdDateTime: now.toISOString(),
      startDateTime: start.toISOString(),
      lifetimeInMinutes: lifetime,
      isUsableOnce,
      secret: hashSecret(value),
      usedDateTime: null,
    };
    // One pass per user: a new one replaces the old.
    user.temporaryAccessPasses = [pass];
    this.ctx.save();
    return json(201, {
      '@odata.context': this.ctx.context(`users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`),
      ...temporaryAccessPassView(pass, policy, now, value),
    }, { location: `${this.ctx.baseUrl}/v1.0/users/${user.id}/authentication/temporaryAccessPassMethods/${pass.id}` });
  }

  listTemporaryAccessPasses(key: string, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    const policy = this.ctx.state().temporaryAccessPassPolicy;
    return json(200, {
      '@odata.context': this.ctx.context(`users('${user.id}')/authentication/temporaryAccessPassMethods`),
      value: user.temporaryAccessPasses.map((pass) => temporaryAccessPassView(pass, policy, now, null)),
    });
  }

  getTemporaryAccessPass(key: string, id: string, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    const pass = user.temporaryAccessPasses.find((candidate) => candidate.id === id);
    if (!pass) throw notFound(id);
    return json(200, {
      '@odata.context': this.ctx.context(`users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`),
      ...temporaryAccessPassView(pass, this.ctx.state().temporaryAccessPassPolicy, now, null),
    });
  }

  deleteTemporaryAccessPass(key: string, id: string, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    if (!user.temporaryAccessPasses.some((candidate) => candidate.id === id)) throw notFound(id);
    user.temporaryAccessPasses = user.temporaryAccessPasses.filter((candidate) => candidate.id !== id);
    this.ctx.save();
    return noContent();
  }

  getPolicy(): ApiResponse {
    return json(200, {
      '@odata.context': this.ctx.context('policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity'),
      ...temporaryAccessPassPolicyView(this.ctx.state().temporaryAccessPassPolicy),
    });
  }

  updatePolicy(body: unknown): ApiResponse {
    const state = this.ctx.state();
    state.temporaryAccessPassPolicy = mergeTemporaryAccessPassPolicy(state.temporaryAccessPassPolicy, body);
    this.ctx.save();
    return noContent();
  }
}

/** The policy as Graph shows it: every user is targeted (the seed has no group scoping). */
export function temporaryAccessPassPolicyView(policy: TemporaryAccessPassPolicy): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
    id: POLICY_ID,
    state: policy.state,
    defaultLifetimeInMinutes: policy.defaultLifetimeInMinutes,
    defaultLength: policy.defaultLength,
    minimumLifetimeInMinutes: policy.minimumLifetimeInMinutes,
    maximumLifetimeInMinutes: policy.maximumLifetimeInMinutes,
    isUsableOnce: policy.isUsableOnce,
    excludeTargets: [],
    includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  };
}

/**
 * A PATCH of the policy: each lifetime 10–43,200 minutes, default length 8–48, and the default
 * lifetime between the minimum and the maximum; anything else is 400 and changes nothing.
 */
export function mergeTemporaryAccessPassPolicy(current: TemporaryAccessPassPolicy, body: unknown): TemporaryAccessPassPolicy {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  const next = { ...current };
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === '@odata.type' || name === 'id' || name === 'includeTargets' || name === 'excludeTargets') continue;
    switch (name) {
      case 'state':
        if (value !== 'enabled' && value !== 'disabled') throw new GraphError(400, 'BadRequest', `The value '${String(value)}' is not a valid authenticationMethodState (enabled, disabled).`);
        next.state = value;
        break;
      case 'isUsableOnce':
        if (typeof value !== 'boolean') throw new GraphError(400, 'BadRequest', "Cannot convert the value of 'isUsableOnce' to Edm.Boolean.");
        next.isUsableOnce = value;
        break;
      case 'defaultLength':
      case 'defaultLifetimeInMinutes':
      case 'minimumLifetimeInMinutes':
      case 'maximumLifetimeInMinutes': {
        const bounds = name === 'defaultLength' ? LENGTH_BOUNDS : LIFETIME_BOUNDS;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
          throw new GraphError(400, 'BadRequest', `Invalid value for ${name}: it must be an integer between ${bounds.min} and ${bounds.max}.`);
        }
        next[name] = value;
        break;
      }
      default:
        throw new GraphError(400, 'BadRequest', `Property '${name}' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration'.`);
    }
  }
  if (next.minimumLifetimeInMinutes > next.maximumLifetimeInMinutes
    || next.defaultLifetimeInMinutes < next.minimumLifetimeInMinutes || next.defaultLifetimeInMinutes > next.maximumLifetimeInMinutes) {
    throw new GraphError(400, 'BadRequest', 'defaultLifetimeInMinutes must lie between minimumLifetimeInMinutes and maximumLifetimeInMinutes.');
  }
  return next;
}

/** Why a pass can or cannot be used now: the resource's methodUsabilityReason values. */
export function temporaryAccessPassUsability(pass: StoredTemporaryAccessPass, policy: TemporaryAccessPassPolicy, now: Date): 'EnabledByPolicy' | 'DisabledByPolicy' | 'Expired' | 'NotYetValid' | 'OneTimeUsed' {
  const start = Date.parse(pass.startDateTime);
  const end = start + pass.lifetimeInMinutes * 60_000;
  if (policy.state !== 'enabled') return 'DisabledByPolicy';
  if (pass.usedDateTime !== null) return 'OneTimeUsed';
  if (now.getTime() < start) return 'NotYetValid';
  if (now.getTime() >= end) return 'Expired';
  return 'EnabledByPolicy';
}

function temporaryAccessPassView(pass: StoredTemporaryAccessPass, policy: TemporaryAccessPassPolicy, now: Date, value: string | null): Record<string, unknown> {
  const reason = temporaryAccessPassUsability(pass, policy, now);
  return {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
    id: pass.id,
    temporaryAccessPass: value,
    createdDateTime: pass.createdDateTime,
    startDateTime: pass.startDateTime,
    lifetimeInMinutes: pass.lifetimeInMinutes,
    isUsableOnce: pass.isUsableOnce,
    isUsable: reason === 'EnabledByPolicy',
    methodUsabilityReason: reason,
  };
}

function newTemporaryAccessPassValue(length: number): string {
  // Entra's passes mix letters, digits and a few symbols; no look-alikes.
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%&+=?@';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
