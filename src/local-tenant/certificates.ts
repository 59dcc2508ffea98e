import { generateKeyPairSync, randomBytes, X509Certificate, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

/** Where the local CA and the loopback server certificate live. */
export interface LocalCertificatePaths {
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
}

/** A certificate with its private key, both PEM. */
export interface GeneratedCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

const CA_CERT = 'local-ca.pem';
const CA_KEY = 'local-ca-key.pem';
const SERVER_CERT = 'server.pem';
const SERVER_KEY = 'server-key.pem';
const LOCK = '.generating.lock';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Returns the local CA and a server certificate for 127.0.0.1/localhost under `dir`,
 * generating them on first use. Synchronous on purpose: vitest.config.ts calls it at load
 * time to set NODE_EXTRA_CA_CERTS before any worker forks.
 */
export function ensureLocalCertificates(dir: string): LocalCertificatePaths {
  const paths: LocalCertificatePaths = {
    caCertPath: join(dir, CA_CERT),
    serverCertPath: join(dir, SERVER_CERT),
    serverKeyPath: join(dir, SERVER_KEY),
  };
  if (certificatesUsable(dir)) return paths;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  withGenerationLock(dir, () => {
    if (certificatesUsable(dir)) return;
    const ca = readOrCreateCa(dir);
    const server = createServerCertificate(ca);
    writeAtomically(join(dir, SERVER_KEY), server.privateKeyPem, 0o600);
    writeAtomically(join(dir, SERVER_CERT), server.certificatePem, 0o644);
  });
  return paths;
}

/** A self-signed certificate (used for app registrations' client certificates). */
export function createSelfSignedCertificate(commonName: string, validDays = 730): GeneratedCertificate {
  const keys = newRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
}

/** SHA-1 and SHA-256 thumbprints of a PEM certificate's DER, hex upper case (as Entra shows them). */
export function certificateThumbprints(certificatePem: string): { sha1: string; sha256: string } {
  const der = new X509Certificate(certificatePem).raw;
  return {
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/** Writes a file by rename so a reader never sees half of it. */
export function writeAtomically(path: string, contents: string, mode: number): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, contents, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function certificatesUsable(dir: string): boolean {
  const files = [CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY].map((name) => join(dir, name));
  if (!files.every((file) => existsSync(file))) return false;
  try {
    const ca = new X509Certificate(readFileSync(join(dir, CA_CERT)));
    const server = new X509Certificate(readFileSync(join(dir, SERVER_CERT)));
    const stillValid = Date.parse(server.validTo) - Date.now() > 7 * DAY_MS && Date.parse(ca.validTo) - Date.now() > 7 * DAY_MS;
    return stillValid && server.verify(ca.publicKey) && server.checkIP('127.0.0.1') !== undefined && server.checkHost('localhost') !== undefined;
  } catch {
    return false;
  }
}

interface CertificateAuthority {
  cert: forge.pki.Certificate;
  privateKey: forge.pki.rsa.PrivateKey;
}

function readOrCreateCa(dir: string): CertificateAuthority {
  const certPath = join(dir, CA_CERT);
  const keyPath = join(dir, CA_KEY);
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      const caX509 = new X509Certificate(readFileSync(certPath));
      if (Date.parse(caX509.validTo) - Date.now() > 30 * DAY_MS) {
        return {
          cert: forge.pki.certificateFromPem(readFileSync(certPath, 'utf8')),
          privateKey: forge.pki.privateKeyFromPem(readFileSync(keyPath, 'utf8')) as forge.pki.rsa.PrivateKey,
        };
      }
    } catch {
      // unreadable or foreign files: make a new CA below
    }
  }
  const keys = newRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 3650 * DAY_MS);
  const subject = [
    { name: 'commonName', value: 'Local tenant development CA' },
    { name: 'organizationName', value: 'entra-onboarding-bot (local only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  writeAtomically(keyPath, keys.privateKeyPem, 0o600);
  writeAtomically(certPath, forge.pki.certificateToPem(cert), 0o644);
  return { cert, privateKey: keys.privateKey };
}

function createServerCertificate(ca: CertificateAuthority): GeneratedCertificate {
  const keys = newRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 397 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
}

// Node's native generator: node-forge's pure-JS RSA generation takes seconds.
function newRsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    privateKeyPem: privateKey,
  };
}

function randomSerial(): string {
  // Positive: the top bit of the first byte cleared.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

// Several processes (vitest workers, npm start, npm run tenant) may start at once.
function withGenerationLock(dir: string, generate: () => void): void {
  const lockPath = join(dir, LOCK);
  const deadline = Date.now() + 30_000;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (fd !== undefined) {
      try {
        generate();
      } finally {
        closeSync(fd);
        rmSync(lockPath, { force: true });
      }
      return;
    }
    if (certificatesUsable(dir)) return;
    if (Date.now() > deadline || lockIsStale(lockPath)) rmSync(lockPath, { force: true });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function lockIsStale(lockPath: string): boolean {
  try {
    return Date.now() - statSync(lockPath).mtimeMs > 20_000;
  } catch {
    return false;
  }
}
