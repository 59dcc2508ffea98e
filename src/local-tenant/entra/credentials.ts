import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateThumbprints, createSelfSignedCertificate, writeAtomically } from '../certificates.js';
import type { Application } from '../directory.js';

/** One app registration's generated credentials. */
export interface AppCredentials {
  appId: string;
  displayName: string;
  clientSecret: string;
  /** PEM file with the certificate and its private key (what ClientCertificateCredential reads). */
  certificatePath: string;
  certificatePem: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
}

/** The tenant's token-signing key and every app's client secret and certificate. */
export interface TenantCredentials {
  signingKeyPem: string;
  signingKeyId: string;
  apps: Map<string, AppCredentials>;
  /** Removes what was written to a temporary directory (in-memory tenants only). */
  dispose(): void;
}

interface SecretsFile {
  clientSecrets: Record<string, string>;
}

/**
 * Generates credentials on first start and keeps them under `stateDir` (0600), or in memory
 * with certificate files in a temporary directory when `stateDir` is null.
 */
export function loadOrCreateCredentials(stateDir: string | null, applications: Application[]): TenantCredentials {
  const persistent = stateDir !== null;
  const dir = persistent ? stateDir : mkdtempSync(join(tmpdir(), 'local-tenant-'));
  mkdirSync(join(dir, 'certificates'), { recursive: true, mode: 0o700 });

  const signingKeyPath = join(dir, 'token-signing-key.pem');
  let signingKeyPem: string;
  if (persistent && existsSync(signingKeyPath)) {
    signingKeyPem = readFileSync(signingKeyPath, 'utf8');
  } else {
    signingKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    if (persistent) writeAtomically(signingKeyPath, signingKeyPem, 0o600);
  }
  const signingKeyId = createHash('sha256').update(signingKeyPem).digest('base64url').slice(0, 27);

  const secretsPath = join(dir, 'client-secrets.json');
  const secrets: SecretsFile = persistent && existsSync(secretsPath)
    ? JSON.parse(readFileSync(secretsPath, 'utf8')) as SecretsFile
    : { clientSecrets: {} };
  let secretsChanged = false;

  const apps = new Map<string, AppCredentials>();
  for (const application of applications) {
    let clientSecret = secrets.clientSecrets[application.appId];
    if (!clientSecret) {
      clientSecret = newClientSecret();
      secrets.clientSecrets[application.appId] = clientSecret;
      secretsChanged = true;
    }
    const certificatePath = join(dir, 'certificates', `${application.appId}.pem`);
    let certificateFile: string;
    if (persistent && existsSync(certificatePath)) {
      certificateFile = readFileSync(certificatePath, 'utf8');
    } else {
      const generated = createSelfSignedCertificate(`CN=${application.displayName}`);
      certificateFile = `${generated.certificatePem.trim()}\n${generated.privateKeyPem.trim()}\n`;
      writeAtomically(certificatePath, certificateFile, 0o600);
    }
    const certificatePem = extractCertificate(certificateFile);
    const thumbprints = certificateThumbprints(certificatePem);
    apps.set(application.appId, {
      appId: application.appId,
      displayName: application.displayName,
      clientSecret,
      certificatePath,
      certificatePem,
      thumbprintSha1: thumbprints.sha1,
      thumbprintSha256: thumbprints.sha256,
    });
  }
  if (persistent && secretsChanged) writeAtomically(secretsPath, JSON.stringify(secrets, null, 1), 0o600);

  return {
    signingKeyPem,
    signingKeyId,
    apps,
    dispose: () => {
      if (!persistent) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function extractCertificate(file: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(file);
  if (!match) throw new Error('certificate file has no certificate');
  return `${match[0]}\n`;
}

// Same look as Entra's generated secrets: 3 characters, "8Q~", 34 more.
function newClientSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~';
  const pick = (n: number): string => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
  return `${pick(3)}8Q~${pick(34)}`;
}
