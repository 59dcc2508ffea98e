/** The Graph adapter: implements the onboarding Directory port. */
export { createGraphDirectory, createCredential, userPath, odataString, classifyCreateFailure, toDirectoryError } from './graph-directory.js';
export type { GraphDirectoryOptions, GraphCredentialOptions } from './graph-directory.js';
