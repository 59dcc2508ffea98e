/** The onboarding domain: request, rules, workflow, ports and errors. No SDK lives here. */
export * from './errors.js';
export * from './secret.js';
export * from './ports.js';
export * from './request.js';
export * from './manager.js';
export * from './user-name.js';
export * from './password.js';
export * from './state.js';
export * from './workflow.js';
export * from './secret-vault.js';
export * from './system.js';
export * from './access.js';
export * from './resume.js';
export * from './rate-limit.js';
