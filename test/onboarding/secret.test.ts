import { inspect, format } from 'node:util';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Secret, createAesGcmSecretVault } from '../../src/onboarding/index.js';

const value = 'Tr0ub4dor&3-Horse!';

describe('Secret', () => {
  it('when serialized as JSON, then it shows [secret]', () => {
    const secret = new Secret(value);
    expect(JSON.stringify({ password: secret })).toBe('{"password":"[secret]"}');
  });

  it('when put in a template string or concatenated, then it shows [secret]', () => {
    const secret = new Secret(value);
    expect(`${secret}`).toBe('[secret]');
    expect('p=' + secret).toBe('p=[secret]');
    expect(String(secret)).toBe('[secret]');
  });

  it('when inspected or formatted like console.log does, then it shows [secret]', () => {
    const secret = new Secret(value);
    expect(inspect(secret)).toBe('[secret]');
    expect(inspect({ nested: { secret } }, { depth: 10, showHidden: true })).not.toContain(value);
    expect(format('%s %o %O %j', secret, secret, { secret }, { secret })).not.toContain(value);
  });

  it('when logged with pino, then the log line shows [secret]', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const log = pino({}, sink);
    const secret = new Secret(value);
    log.info({ secret, wrapped: { secret } }, 'created %s', secret);
    log.error(Object.assign(new Error('boom'), { secret }));
    expect(out).toContain('[secret]');
    expect(out).not.toContain(value);
  });

  it('when its own properties are walked or spread, then the value is not among them', () => {
    const secret = new Secret(value);
    expect(Object.keys(secret)).toEqual([]);
    expect(JSON.stringify({ ...secret })).not.toContain(value);
    expect(Object.getOwnPropertyNames(secret).map((k) => String((secret as unknown as Record<string, unknown>)[k]))).not.toContain(value);
  });

  it('when revealed, then the clear value comes out', () => {
    expect(new Secret(value).reveal()).toBe(value);
    expect(new Secret(value).equals(new Secret(value))).toBe(true);
    expect(new Secret(value).equals(new Secret('other'))).toBe(false);
  });
});

describe('Secret.equals', () => {
  it.each([
    [value, value, true],
    [value, 'other', false],
    [value, `${value}x`, false],
    [`${value}x`, value, false],
    ['abcd', 'abce', false],
    ['abcd', 'Abcd', false],
  ])('when %j is compared with %j, then equals is %s', (a, b, same) => {
    expect(new Secret(a).equals(new Secret(b))).toBe(same);
  });
});

describe('Secret construction', () => {
  it.each([[''], [undefined], [42], [null]])('when the value is %j, then no secret is made', (bad) => {
    expect(() => new Secret(bad as unknown as string)).toThrow(TypeError);
  });

  it('when toString is called directly, then it shows [secret]', () => {
    expect(new Secret(value).toString()).toBe('[secret]');
  });
});

describe('AES-256-GCM secret vault', () => {
  // Made inside each test: a vault that throws while the file is collected fails no test, so a mutant there would go unseen.
  const newVault = () => createAesGcmSecretVault({ key: randomBytes(32), keyId: 'k1' });

  it('when a secret is sealed and unsealed for the same request, then the same value comes back', async () => {
    const vault = newVault();
    const sealed = await vault.seal(new Secret(value), { requestId: 'r1' });
    expect(JSON.stringify(sealed)).not.toContain(value);
    expect((await vault.unseal(sealed, { requestId: 'r1' })).reveal()).toBe(value);
  });

  it('when a sealed secret is moved to another request or tampered with, then it does not open', async () => {
    const vault = newVault();
    const sealed = await vault.seal(new Secret(value), { requestId: 'r1' });
    await expect(vault.unseal(sealed, { requestId: 'r2' })).rejects.toThrow();
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await expect(vault.unseal({ ...sealed, ciphertext: flipped.toString('base64') }, { requestId: 'r1' })).rejects.toThrow();
  });

  it('when sealed twice, then the ciphertexts differ (fresh IV each time)', async () => {
    const vault = newVault();
    const a = await vault.seal(new Secret(value), { requestId: 'r1' });
    const b = await vault.seal(new Secret(value), { requestId: 'r1' });
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it.each([16, 31, 33, 0])('when the key has %i bytes, then no vault is made', (bytes) => {
    expect(() => createAesGcmSecretVault({ key: randomBytes(bytes), keyId: 'k1' })).toThrow(/32-byte key/);
  });

  it('when a sealed secret names another key id, then it is refused before decrypting, even with the same key bytes', async () => {
    const key = randomBytes(32);
    const sealed = await createAesGcmSecretVault({ key, keyId: 'k1' }).seal(new Secret(value), { requestId: 'r1' });
    const rotated = createAesGcmSecretVault({ key, keyId: 'k2' });
    await expect(rotated.unseal(sealed, { requestId: 'r1' })).rejects.toThrow('Sealed secret uses key k1, this vault holds k2');
  });

  it('when a sealed secret names another algorithm, then it is refused', async () => {
    const own = createAesGcmSecretVault({ key: randomBytes(32), keyId: 'k1' });
    const sealed = await own.seal(new Secret(value), { requestId: 'r1' });
    const other = { ...sealed, algorithm: 'A128GCM' } as unknown as typeof sealed;
    await expect(own.unseal(other, { requestId: 'r1' })).rejects.toThrow(/Sealed secret uses key/);
  });

  it('when a secret with non-ASCII characters is sealed and unsealed, then it comes back unchanged', async () => {
    const own = createAesGcmSecretVault({ key: randomBytes(32), keyId: 'k1' });
    const sealed = await own.seal(new Secret('Pässwörd-€-ß'), { requestId: 'réquest-1' });
    expect((await own.unseal(sealed, { requestId: 'réquest-1' })).reveal()).toBe('Pässwörd-€-ß');
  });
});
