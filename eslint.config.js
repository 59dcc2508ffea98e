// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The Teams platform: used in the edge (src/bot) and the Teams delivery adapter (src/delivery)
// only, so that a successor SDK replaces it there alone (ARCHITECTURE.md).
const teamsPlatform = ['botbuilder', 'botbuilder/*', 'botbuilder-*', 'botframework-*', '@microsoft/teams-ai', '@microsoft/teams-ai/*'];
const teamsPlatformOnly = [teamsPlatform,
  'botbuilder and teams-ai are used in src/bot and src/delivery only: ask them for what you need (see ARCHITECTURE.md).'];
const sdkPackages = [
  ...teamsPlatform,
  '@microsoft/microsoft-graph-client', '@microsoft/microsoft-graph-client/*', '@azure/*',
  'fastify', 'pino', 'pino-*', 'adaptivecards-templating', 'adaptive-expressions',
];
// The composition root, the launcher and the config reader, as seen from one or two folders down.
const rootModules = ['app', 'index', 'config'].flatMap((name) => [`../${name}.js`, `../../${name}.js`]);
/**
 * no-restricted-imports from groups of [patterns, message]. A later block's rule replaces an
 * earlier one's for the same file (options are not merged), so each folder's block names the
 * Teams platform again where it applies.
 */
const restrict = (...groups) => ({
  'no-restricted-imports': ['error', {
    patterns: groups.flatMap(([patterns, message]) => patterns.map((group) => ({ group: [group], message }))),
  }],
});
const adapterRule = [['**/bot/**', '**/local-tenant/**', ...rootModules],
  'Adapters implement a port from src/onboarding and import only it and their SDK.'];
const noProcessEnv = {
  'no-restricted-properties': ['error', {
    object: 'process', property: 'env',
    message: 'Read configuration through src/config.ts, which parses process.env once.',
  }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.local/**', 'coverage/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Every file outside the edge and the Teams delivery adapter: no Teams platform — the
  // composition root, the launcher, config, logging, the HTTP host, telemetry and any new folder.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/bot/**', 'src/delivery/**'],
    rules: restrict(teamsPlatformOnly),
  },
  // The domain talks to ports only: no SDK, no adapter, no environment.
  {
    files: ['src/onboarding/**/*.ts'],
    rules: {
      ...restrict([[...sdkPackages, '**/bot/**', '**/directory/**', '**/delivery/**', '**/storage/**', '**/local-tenant/**', '**/request-reading/**', ...rootModules],
        'src/onboarding is the domain: it imports no SDK and no adapter (see ARCHITECTURE.md).']),
      ...noProcessEnv,
    },
  },
  // Reading a request out of a sentence sits beside the domain: it may use the domain's request
  // model (dependencies point inward) and chrono-node, but no SDK, adapter or environment.
  {
    files: ['src/request-reading/**/*.ts'],
    rules: {
      ...restrict([[...sdkPackages, '**/bot/**', '**/directory/**', '**/delivery/**', '**/storage/**', '**/local-tenant/**', ...rootModules],
        'src/request-reading reads a sentence into the domain\'s form: it imports no SDK and no adapter (see ARCHITECTURE.md).']),
      ...noProcessEnv,
    },
  },
  // Adapters import their port and their SDK, never the edge or each other; the Teams
  // platform is the SDK of src/delivery alone.
  {
    files: ['src/delivery/**/*.ts'],
    rules: { ...restrict(adapterRule), ...noProcessEnv },
  },
  {
    files: ['src/directory/**/*.ts', 'src/storage/**/*.ts'],
    rules: { ...restrict(adapterRule, teamsPlatformOnly), ...noProcessEnv },
  },
  // The edge calls use cases (the request desk) and renders their results: no adapter, no
  // Graph, and it never reaches the directory, the request store or the clock itself.
  {
    files: ['src/bot/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...['@microsoft/microsoft-graph-client', '@microsoft/microsoft-graph-client/*', '@azure/*', '**/directory/**', '**/delivery/**', '**/storage/**', '**/local-tenant/**', ...rootModules]
            .map((group) => ({ group: [group], message: 'The bot edge talks to the request desk (src/onboarding), not to an adapter, Graph or the composition root.' })),
          {
            group: ['**/onboarding/**'],
            importNames: ['Directory', 'RequestStore', 'RequestIndex', 'RequestHistory', 'Clock', 'systemClock', 'OnboardingDependencies', 'RequestDeskDependencies', 'AuditReader'],
            message: 'The bot edge never reaches the directory, the store or the clock: ask the request desk.',
          },
        ],
      }],
      'no-restricted-syntax': ['error', {
        selector: 'MemberExpression[property.name=/^(directory|store|clock|history|auditTrail)$/]',
        message: 'The bot edge never reaches the directory, the store or the clock: ask the request desk.',
      }],
      ...noProcessEnv,
    },
  },
  // The Bot Connector's own token credential (Bot Framework wiring, not Graph).
  {
    files: ['src/bot/bot-connector-credentials.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The local tenant plays the outside world: it shares no code with the bot.
  {
    files: ['src/local-tenant/**/*.ts'],
    ignores: ['src/local-tenant/main.ts'],
    rules: {
      ...restrict([['**/onboarding/**', '**/bot/**', '**/directory/**', '**/delivery/**', '**/storage/**', ...rootModules],
        'The local tenant is its own program and shares no code with the bot.'], teamsPlatformOnly),
      ...noProcessEnv,
    },
  },
);
