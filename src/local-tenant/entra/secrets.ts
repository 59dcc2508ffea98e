import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * A user's secret (password or Temporary Access Pass) as the tenant keeps it: only a salted
 * scrypt hash, enough to verify a sign-in. The clear value is never stored, logged or shown.
 */
export interface StoredSecret {
  algorithm: 'scrypt';
  /** scrypt cost (N); low, as befits an emulator that hashes on every user it creates. */
  cost: number;
  salt: string;
  hash: string;
}

const COST = 2 ** 12;
const KEY_LENGTH = 32;

export function hashSecret(secret: string): StoredSecret {
  const salt = randomBytes(16);
  return { algorithm: 'scrypt', cost: COST, salt: salt.toString('base64'), hash: derive(secret, salt, COST).toString('base64') };
}

export function secretMatches(secret: string, stored: StoredSecret | null | undefined): boolean {
  if (!stored || stored.algorithm !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = derive(secret, Buffer.from(stored.salt, 'base64'), stored.cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function derive(secret: string, salt: Buffer, cost: number): Buffer {
  return scryptSync(secret.normalize('NFC'), salt, KEY_LENGTH, { N: cost, r: 8, p: 1 });
}
