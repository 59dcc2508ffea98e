/**
 * Domain micro-benchmarks: the pure functions every request goes through, on the inputs
 * that make them work hardest (accents, other scripts, Teams HTML, hostile card data).
 * Run through run.ts (`npm run bench`), or alone: `tsx test/bench/domain.ts [--json FILE]`.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { defaultPasswordPolicy, generateTemporaryPassword, type PasswordPolicy } from '../../src/onboarding/rules/password.js';
import { extractOnboardingRequest, type MessageContext } from '../../src/request-reading/index.js';
import { validateOnboardingForm, type ValidationContext } from '../../src/onboarding/request/request.js';
import { cryptoRandom } from '../../src/onboarding/kernel/node-clock-and-random.js';
import { deriveAlias } from '../../src/onboarding/rules/user-name.js';
import { form, seedDomains } from '../onboarding/fakes.js';
import { benchSync, printTable, type BenchResult } from './harness.js';

/** Names that exercise every branch of transliteration: accents, specials, apostrophes, other scripts, junk. */
export const trickyNames: ReadonlyArray<readonly [string, string]> = [
  ['José', 'Núñez'],
  ['Zoë', 'O’Brien'],
  ['Søren', 'Kierkegaard-Ørsted'],
  ['Łukasz', 'Żółćkiewicz'],
  ['Jean\u2013Luc', 'Picard'],
  ['María José', 'de la Cruz y Fernández'],
  ['Ævar', 'Þórsson'],
  ['Günter', 'Straßmann'],
  ['Nguyễn', 'Thị Minh Khai'],
  ['İbrahim', 'Çelik'],
  ['Anne-Marie', "D'Arcy--Smith"],
  ['Ｊｏｈｎ', 'Ｓｍｉｔｈ'], // full-width
  ['Björk', 'Guðmundsdóttir'],
  ['Chloé', 'Lefèvre-Saint-Éxupéry-Montmorency-de-la-Tour-d’Auvergne-Bouillon'], // alias longer than 64: cut
  ['李', '小龙'], // CJK: alias needed
  ['Ольга', 'Петрова'], // Cyrillic: alias needed
  ['محمد', 'Al-Farsi'], // Arabic given name: alias needed
  ['...', '—'], // no letters at all
];

/** Messages managers actually type, plain and as Teams HTML with the bot's @mention. */
export const realisticMessages: readonly string[] = [
  'please create an account for Adele Vance, Marketing, contractor, starts 1 Dec, ticket INC-4711',
  'Hi! We have a new starter: Dr. María José de la Cruz, Finance, employee, starting Monday. Manager is megan.bowen@contoso.com. Ticket REQ0012345',
  '<at>Onboarding</at>&nbsp;<p>please create an account for <b>Søren</b> Kierkegaard, Engineering,&nbsp;intern, starts 03/02, ticket ONB-42</p>',
  'Can you set up a user for Jean-Luc Picard (jean-luc.picard@contoso.com)? He reports to Adele Vance. Starts next Tuesday. #4711',
  'Zoë O’Brien is joining the Legal team as a consultant on 2026-12-07, reporting to patti.fernandez@contoso.com, case 88',
  'New hire: Nguyễn Thị Minh Khai, Sales, starts 15 January, ticket: INC0099881. Thanks!',
  'what is the status of INC-4711?', // not a request
  'onboard Björk Guðmundsdóttir — Design, freelancer, from Dec 1st, ref HELP-1234, manager: Isaiah Langer',
];

/** A hostile message: Teams HTML at the raw cap, nested tags, entities and bidi characters. */
export const oversizedMessage = (
  '<div><at>Onboarding</at> <p>please create an account for <b>Adele</b>&nbsp;Vance &#x202E;gnitekram&#x202C; ' +
  '<span style="color:red">'.repeat(40) + 'ticket INC-4711 ' + '&amp;lt;script&amp;gt; \u200B\u200F'.repeat(60) + '</span>'.repeat(40) + '</p></div>'
).repeat(20).slice(0, 20_000);

const validationContext: ValidationContext = { domains: seedDomains, aliasPattern: 'given.surname' };
const messageContext: MessageContext = { today: '2026-11-20', knownDomains: ['contoso.com', 'contoso.onmicrosoft.com'], locale: 'en-GB' };

/** Card data as submitted: complete and valid (names we can spell in Latin letters), with accents and a manager. */
const validForms: ReadonlyArray<Record<string, unknown>> = trickyNames.filter(([g, s]) => deriveAlias(g, s).kind === 'derived').map(([givenName, surname], i) => form({
  givenName, surname, ticketReference: `HR-${1000 + i}`, startDate: '2026-12-01', officeLocation: 'Building 4, Floor 2',
}));

/** Card data from a hostile or broken client: wrong types, bidi overrides, oversize fields, bad dates. */
const hostileForms: ReadonlyArray<Record<string, unknown>> = [
  form({ givenName: 'Adele\u202E', surname: 42, domain: 'northwind.example', usageLocation: 'XX', startDate: '2026-02-30' }),
  form({ givenName: 'A'.repeat(5_000), surname: '<script>', alias: '.bad..alias.', manager: 'not an address', ticketReference: '-x' }),
  form({ givenName: '李', surname: '小龙', domain: 'contoso.eu', businessJustification: 'short' }),
  form({ displayName: 'x'.repeat(300), jobTitle: ['array'], department: { nested: true }, businessJustification: 'line\u0000break' }),
];

export function runDomainBenchmarks(): BenchResult[] {
  const results: BenchResult[] = [];

  let derived = 0;
  let needed = 0;
  for (const [given, surname] of trickyNames) {
    if (deriveAlias(given, surname).kind === 'derived') derived += 1;
    else needed += 1;
  }
  results.push(benchSync('deriveAlias (tricky names)', (i) => {
    const [given, surname] = trickyNames[i % trickyNames.length] as readonly [string, string];
    return deriveAlias(given, surname);
  }, { warmup: 2_000, timeMs: 1_000 }, { names: trickyNames.length, derived, aliasNeeded: needed }));

  const words = ['José', 'Núñez', 'jose.nunez'];
  const passwordBench = (name: string, policy: PasswordPolicy): BenchResult =>
    benchSync(name, () => generateTemporaryPassword(cryptoRandom, policy, words), { warmup: 500, timeMs: 1_000 }, { length: policy.length });
  results.push(passwordBench('generateTemporaryPassword (16, cryptoRandom)', defaultPasswordPolicy));
  results.push(passwordBench('generateTemporaryPassword (24, no look-alikes)', { length: 24, avoidLookAlikes: true }));

  const validOk = validForms.filter((f) => validateOnboardingForm(f, validationContext).ok).length;
  results.push(benchSync('validateOnboardingForm (valid cards)', (i) => validateOnboardingForm(validForms[i % validForms.length], validationContext),
    { warmup: 2_000, timeMs: 1_000 }, { forms: validForms.length, valid: validOk }));
  const problems = hostileForms.reduce((sum, f) => {
    const v = validateOnboardingForm(f, validationContext);
    return sum + (v.ok ? 0 : v.problems.length);
  }, 0);
  results.push(benchSync('validateOnboardingForm (hostile cards)', (i) => validateOnboardingForm(hostileForms[i % hostileForms.length], validationContext),
    { warmup: 2_000, timeMs: 1_000 }, { forms: hostileForms.length, problems }));

  const requests = realisticMessages.filter((m) => extractOnboardingRequest(m, messageContext).isAccountRequest).length;
  results.push(benchSync('extractOnboardingRequest (realistic)', (i) => extractOnboardingRequest(realisticMessages[i % realisticMessages.length] as string, messageContext),
    { warmup: 1_000, timeMs: 1_500 }, { messages: realisticMessages.length, requests }));
  results.push(benchSync('extractOnboardingRequest (20k hostile HTML)', () => extractOnboardingRequest(oversizedMessage, messageContext),
    { warmup: 50, timeMs: 1_500, minIterations: 50 }, { chars: oversizedMessage.length }));

  return results;
}

// Run alone: print the table and, with --json FILE, write the figures there.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = runDomainBenchmarks();
  printTable('Domain micro-benchmarks (single call per sample)', results);
  const jsonAt = process.argv.indexOf('--json');
  const file = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
  if (file) writeFileSync(file, JSON.stringify({ domain: results }, null, 2));
}
