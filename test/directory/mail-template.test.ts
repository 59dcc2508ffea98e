import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, expandTemplate, renderMail } from '../../src/directory/mail-template.js';
import { welcomeMailView } from '../../src/directory/index.js';
import type { WelcomeMail } from '../../src/onboarding/index.js';

const mail: WelcomeMail = {
  requestId: 'r-1', to: 'jose@example.org', givenName: 'José', displayName: 'José Núñez', userPrincipalName: 'jose.nunez@contoso.com',
  startDate: '2031-04-07', secretHolder: 'Megan Bowen', contents: 'password', contact: 'Megan Bowen', ticketReference: 'HR-1234',
};

describe('mail template expansion', () => {
  it('when a value holds markup, then it arrives escaped in the mail and never as markup', () => {
    fc.assert(fc.property(fc.string(), (value) => {
      const out = expandTemplate('<p>{{name}}</p>', { name: value });
      expect(out.slice(3, -4)).toBe(escapeHtml(value));
      expect(out.slice(3, -4)).not.toMatch(/[<>"'`]/);
    }));
    expect(expandTemplate('<a title="{{x}}">{{x}}</a>', { x: '"><script>alert(1)</script>' }))
      .toBe('<a title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>');
  });

  it('when a value holds template syntax ({{, {{password}}, }}), then it arrives as plain text and is never read as a tag', () => {
    // Found by the property above in CI (seed 237427382): a name with "{{" made the whole mail fail.
    for (const value of ['{{', '}}', '{{password}}', '{{#a}}x{{/a}}', '{{{x}}}']) {
      expect(expandTemplate('<p>{{name}}</p>', { name: value, password: 'never' })).toBe(`<p>${escapeHtml(value)}</p>`);
      expect(expandTemplate('Hi {{name}}', { name: value }, (v) => v)).toBe(`Hi ${value}`);
    }
    fc.assert(fc.property(fc.array(fc.constantFrom('{', '}', '#', '^', '/', '!', '&', 'a', ' ')).map((chars) => chars.join('')), (value) => {
      expect(expandTemplate('{{name}}', { name: value }, (v) => v)).toBe(value);
    }), { numRuns: 500 });
  });

  it('when the template asks for an unescaped value or a partial, then rendering refuses it (every value is escaped)', () => {
    expect(() => expandTemplate('<p>{{{x}}}</p>', { x: '<b>' })).toThrow(/unescaped/);
    expect(() => expandTemplate('<p>{{&x}}</p>', { x: '<b>' })).toThrow(/unescaped/);
    expect(() => expandTemplate('<p>{{> footer}}</p>', { x: '<b>' })).toThrow(/partial/);
  });

  it('when sections depend on flags, then {{#flag}} shows its part when true and {{^flag}} when false, nested too', () => {
    const template = '{{#a}}A{{#b}}B{{/b}}{{^b}}notB{{/b}}{{/a}}{{^a}}notA{{/a}}';
    expect(expandTemplate(template, { a: true, b: true })).toBe('AB');
    expect(expandTemplate(template, { a: true, b: false })).toBe('AnotB');
    expect(expandTemplate(template, { a: false, b: true })).toBe('notA');
  });

  it('when the template names a value the mail does not have, then rendering fails loudly instead of leaving it empty', () => {
    expect(() => expandTemplate('Hello {{password}}', { givenName: 'José' })).toThrow('{{password}}');
  });

  it('when a section is left open, then rendering fails instead of sending half a template', () => {
    expect(() => expandTemplate('{{#a}}open', { a: true })).toThrow(/cannot read/);
  });

  it('when the template has HTML or Mustache comments (notes for its editor), then they are not in the mail', () => {
    expect(expandTemplate('<!-- uses {{nothing}} -->\n<p>{{x}}</p>', { x: 'y' })).toBe('<p>y</p>');
    expect(expandTemplate('{{! a note\n over two lines }}\nHello {{x}}', { x: 'y' })).toBe('Hello y');
  });

  it('when the plain-text template is expanded, then values are not HTML-escaped', () => {
    expect(expandTemplate('Hello {{x}}', { x: 'Ann & <Jo>' }, (value) => value)).toBe('Hello Ann & <Jo>');
  });

  it('when a template has no <title>, then rendering says the title is the subject', () => {
    const directory = mkdtempSync(join(tmpdir(), 'mail-'));
    writeFileSync(join(directory, 'welcome.html'), '<p>{{givenName}}</p>');
    writeFileSync(join(directory, 'welcome.txt'), '{{givenName}}');
    expect(() => renderMail('welcome', welcomeMailView(mail), `${directory}/`)).toThrow(/<title>/);
  });
});

describe('the shipped welcome template (adaptiveCards/mail/welcome.html)', () => {
  it('when rendered for a password, then the subject and body read as a welcome and every {{…}} is filled', () => {
    const { subject, html } = renderMail('welcome', welcomeMailView(mail));
    expect(subject).toBe('Welcome, José: your new work account');
    expect(html).not.toContain('{{');
    expect(html).toContain('<strong>jose.nunez@contoso.com</strong>');
    expect(html).toContain('Monday, 7 April 2031');
    expect(html).toContain('Megan Bowen gives you your temporary password');
    expect(html).not.toContain('Temporary Access Pass');
  });

  it('when rendered for a Temporary Access Pass instead of a password, then both parts speak of the pass only', () => {
    const { html, text } = renderMail('welcome', welcomeMailView({ ...mail, contents: 'tap' }));
    for (const part of [html, text]) {
      expect(part).toContain('Megan Bowen gives you a Temporary Access Pass');
      expect(part).not.toContain('temporary password');
    }
  });

  it('when rendered, then the plain-text part says what the HTML says, unescaped and without template notes', () => {
    const { text } = renderMail('welcome', welcomeMailView({ ...mail, givenName: 'Ann & Jo' }));
    expect(text.startsWith('Hello Ann & Jo,\n')).toBe(true);
    expect(text).not.toMatch(/\{\{|<|&amp;/);
    expect(text).toContain('Your user name: jose.nunez@contoso.com');
    expect(text).toContain('Start date:     Monday, 7 April 2031');
    expect(text).toContain('1. Megan Bowen gives you your temporary password in person or by phone.');
    expect(text).toContain('4. Set up multi-factor authentication');
    expect(text).toContain('Contact Megan Bowen (reference HR-1234).');
  });

  it('when there is no start date, then no start date line is rendered', () => {
    const { html } = renderMail('welcome', welcomeMailView({ ...mail, startDate: undefined }));
    expect(html).not.toContain('Start date');
    expect(html).toContain('Your work account is ready.');
  });

  it('when a name carries an ampersand or quotes, then the subject reads it plainly and the body escapes it', () => {
    const { subject, html } = renderMail('welcome', welcomeMailView({ ...mail, givenName: 'Ann & "Jo"' }));
    expect(subject).toBe('Welcome, Ann & "Jo": your new work account');
    expect(html).toContain('Hello Ann &amp; &quot;Jo&quot;,');
  });
});
