/**
 * The log scrub: secret-named fields in any spelling and at any depth, secret-shaped values
 * anywhere (bearer tokens, JWTs, the vault key format), and the error shapes HTTP clients
 * throw (axios: err.config.headers / err.config.data / err.response.headers; undici: cause).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';
import { Secret } from '../../src/onboarding/index.js';

function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  write(logger);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) JSON.parse(line); // still valid JSON
  return lines.join('\n');
}

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0.c2lnbmF0dXJlLXBhcnQ';
const VAULT_KEY = randomBytes(32).toString('base64');
const MARK = 'leak-7f3a9c';

describe('log redaction', () => {
  it.each([
    ['Authorization'], ['AUTHORIZATION'], ['authorization'], ['client_secret'], ['clientSecret'], ['appPassword'], ['MicrosoftAppPassword'],
    ['key'], ['Key'], ['token'], ['access_token'], ['refresh_token'], ['cookie'], ['Set-Cookie'], ['x-api-key'], ['password'],
    ['Password'], ['passwordProfile'], ['secret'], ['SECRET_VAULT_KEY'], ['connectionString'], ['AccountKey'], ['client_assertion'],
  ])('when a field named %s holds a value, then its value never reaches the log, even six levels deep', (name) => {
    const output = logged((logger) => logger.info({ a: { b: { c: { d: { e: { [name]: `${MARK}-value` } } } } } }, 'nested'));
    expect(output).not.toContain(MARK);
    expect(output).toContain('[secret]');
  });

  it('when an axios-style error is logged, then its request headers, form and JSON bodies and response cookies are censored and the rest stays', () => {
    const error = Object.assign(new Error('Request failed with status code 401'), {
      code: 'ERR_BAD_REQUEST',
      config: {
        url: 'https://login.example/token',
        headers: { Authorization: `Bearer ${MARK}token`, 'Content-Type': 'application/x-www-form-urlencoded' },
        data: `grant_type=client_credentials&client_id=abc&client_secret=${MARK}secret&scope=x`,
      },
      request: { _header: `POST /token HTTP/1.1\r\nAuthorization: Bearer ${MARK}raw\r\nHost: login.example\r\n\r\n` },
      response: { status: 401, headers: { 'set-cookie': [`session=${MARK}cookie`], 'x-ms-request-id': 'req-1' }, data: { error: 'invalid_client' } },
    });
    const jsonBody = Object.assign(new Error('Bad Request'), { config: { data: JSON.stringify({ userPrincipalName: 'a@b', passwordProfile: { password: `${MARK}json` } }) } });
    const output = logged((logger) => {
      logger.error({ err: error }, 'token request failed');
      logger.warn({ error: jsonBody }, 'create failed');
    });
    expect(output).not.toContain(MARK);
    expect(output).toContain('ERR_BAD_REQUEST');
    expect(output).toContain('invalid_client');
    expect(output).toContain('req-1');
    expect(output).toContain('client_id=abc');
  });

  it('when an undici-style error carries the failing response in its cause, then headers and body are censored there too', () => {
    const cause = Object.assign(new Error('Response Error'), { statusCode: 403, headers: { authorization: `Bearer ${MARK}`, cookie: MARK }, body: `{"access_token":"${MARK}"}` });
    const output = logged((logger) => logger.error({ err: new TypeError('fetch failed', { cause }) }, 'fetch failed'));
    expect(output).not.toContain(MARK);
    expect(output).toContain('fetch failed');
    expect(output).toContain('403');
  });

  it('when a bearer token, a JWT or a key in the vault format appears in a harmless-looking field or the message, then it is censored', () => {
    const output = logged((logger) => {
      logger.info({ note: `sent Bearer ${MARK}`, detail: `token was ${JWT}`, list: [[`vault ${VAULT_KEY} in use`]] }, `calling with ${JWT}`);
      logger.error(new Error(`failed with Authorization: Bearer ${MARK}`));
    });
    expect(output).not.toContain(MARK);
    expect(output).not.toContain(JWT);
    expect(output).not.toContain(VAULT_KEY);
  });

  it('when a domain Secret is logged, then it prints [secret]', () => {
    expect(logged((logger) => logger.info({ value: new Secret(MARK) }, 'secret'))).not.toContain(MARK);
  });

  it('when the object is circular or very deep, then the line is still written and nothing leaks', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    let deep: Record<string, unknown> = { password: MARK };
    for (let i = 0; i < 40; i += 1) deep = { next: deep };
    const output = logged((logger) => logger.info({ circular, deep }, 'shapes'));
    expect(output).not.toContain(MARK);
  });

  it('when fuzzed nested objects hide a secret under a secret-named key in any case and separator, or as a secret-shaped value, then it never reaches the log', () => {
    const secretNames = ['authorization', 'password', 'client_secret', 'appPassword', 'key', 'token', 'cookie', 'secret', 'accessToken', 'x-api-key', 'client-secret', 'app_password', 'Proxy-Authorization', 'refresh.token'];
    const spelling = fc.tuple(fc.constantFrom(...secretNames), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }))
      .map(([name, upper]) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    const harmlessKey = fc.constantFrom('a', 'data', 'config', 'headers', 'response', 'body', 'items', 'cause', 'details', 'meta');
    const hidden = fc.oneof(
      fc.tuple(spelling, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 12 })).map(([key, hex]) => ({ key, value: `${MARK}${hex}`, marker: `${MARK}${hex}` })),
      fc.constant({ key: 'note', value: `Bearer ${MARK}x`, marker: MARK }),
      fc.constant({ key: 'note', value: `jwt ${JWT} end`, marker: JWT }),
      fc.constant({ key: 'note', value: VAULT_KEY, marker: VAULT_KEY }),
    );
    const path = fc.array(fc.tuple(harmlessKey, fc.boolean()), { minLength: 0, maxLength: 14 });
    fc.assert(
      fc.property(path, hidden, fc.dictionary(harmlessKey, fc.string()), (steps, secret, noise) => {
        let value: unknown = { ...noise, [secret.key]: secret.value };
        for (const [key, asArray] of steps.reverse()) value = asArray ? [noise, value] : { ...noise, [key]: value };
        const output = logged((logger) => logger.warn({ payload: value }, 'fuzz'));
        expect(output).not.toContain(secret.marker);
      }),
      { numRuns: 300 },
    );
  });
});

// Issue 26: a person's text (a display name, a typed sentence) in a log line must not start a line of its own.
describe('log lines and a person\'s text', () => {
  it('when a message or a field carries CR, LF or a whole JSON log line, then exactly one line is written and it reads back as the same text', () => {
    const forged = '\r\n{"level":"error","msg":"forged"}\n';
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constant(`Liv${forged}`), fc.string({ unit: fc.constantFrom('\r', '\n', '"', '{', '}', 'a', ' '), maxLength: 30 }));
    fc.assert(fc.property(text, text, (message, displayName) => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
      logger.info({ displayName }, message);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.slice(0, -1)).not.toMatch(/[\r\n]/);
      expect(lines[0]!.endsWith('\n')).toBe(true);
      const line = JSON.parse(lines[0]!) as { msg: string; displayName: string; level: string };
      expect(line.level).toBe('info');
      // The scrub may censor what looks like a secret; line breaks and quotes come through as the same characters.
      if (!/[:=]/.test(message)) expect(line.msg).toBe(message);
    }), { numRuns: 300 });
  });
});
