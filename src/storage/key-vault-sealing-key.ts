/**
 * The credential-sealing key as a Key Vault secret: read once at start-up with a managed
 * identity's token (the identity needs the "Key Vault Secrets User" role on the vault), so the
 * key is in no app setting. The secret's value is base64 of 32 random bytes, as SECRET_VAULT_KEY.
 */
import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

export interface KeyVaultSealingKeyOptions {
  /** https://{vault}.vault.azure.net */
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly credential: TokenCredential;
  /**
   * The SDK checks that the 401 challenge's resource is a parent domain of the vault's host
   * (vault.azure.net for {vault}.vault.azure.net). Only a vault on a loopback address, which can
   * never be such a subdomain, goes without the check.
   */
  readonly verifyChallengeResource: boolean;
}

/** Thrown at start-up when the key cannot be read or is not a key: the bot then does not start. */
export class SealingKeyUnavailableError extends Error {
  readonly code = 'SEALING_KEY_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealingKeyUnavailableError';
  }
}

export async function readSealingKeyFromKeyVault(options: KeyVaultSealingKeyOptions): Promise<Buffer> {
  const client = new SecretClient(options.vaultUrl, options.credential, {
    disableChallengeResourceVerification: !options.verifyChallengeResource,
    retryOptions: { maxRetries: 2 },
  });
  const where = `the Key Vault secret '${options.secretName}' at ${options.vaultUrl}`;
  let value: string | undefined;
  try {
    value = (await client.getSecret(options.secretName)).value;
  } catch (error) {
    // The SDK's message names the status and Key Vault's error code, never the secret's value.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SealingKeyUnavailableError(`Could not read ${where}: ${reason}`, { cause: error });
  }
  const key = Buffer.from(value ?? '', 'base64');
  if (!value || !/^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) || key.length !== 32) {
    throw new SealingKeyUnavailableError(`${where} is not base64 of 32 random bytes (set it to the output of openssl rand -base64 32).`);
  }
  return key;
}
