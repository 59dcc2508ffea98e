/** The Graph adapter: implements the onboarding Directory port. */
export { createGraphDirectory, createCredential, userPath, odataString, classifyCreateFailure, toDirectoryError } from './graph-directory.js';
export type { GraphDirectoryOptions, GraphCredentialOptions } from './graph-directory.js';
export { createTeamsAppInstaller } from './teams-app-installation.js';
export type { AppInstallOutcome, TeamsAppInstallerOptions } from './teams-app-installation.js';
