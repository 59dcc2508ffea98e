/**
 * SecretVault with AES-256-GCM (node:crypto). The request id is the additional
 * authenticated data, so a sealed password copied onto another request does not open.
 * The key comes from the composition root (Key Vault, or .local/ when run locally).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret } from './secret.js';
import type { SealedSecret, SecretVault } from '../kernel/ports.js';

export function createAesGcmSecretVault(options: { key: Uint8Array; keyId: string }): SecretVault {
  if (options.key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const key = Buffer.from(options.key);
  return {
    async seal(secret, { requestId }) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(requestId, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(secret.reveal(), 'utf8'), cipher.final()]);
      return {
        algorithm: 'A256GCM',
        keyId: options.keyId,
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      } satisfies SealedSecret;
    },
    async unseal(sealed, { requestId }) {
      if (sealed.algorithm !== 'A256GCM' || sealed.keyId !== options.keyId) {
        throw new Error(`Sealed secret uses key ${sealed.keyId}, this vault holds ${options.keyId}`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(requestId, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const clear = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
      const secret = new Secret(clear.toString('utf8'));
      clear.fill(0);
      return secret;
    },
  };
}
