/** The Graph adapters: the onboarding Directory port and the WelcomeMailer (sendMail). */
export { createGraphDirectory, createCredential, userPath, odataString } from './graph-directory.js';
export { classifyCreateFailure, toDirectoryError } from './graph-errors.js';
export type { GraphDirectoryOptions, GraphCredentialOptions } from './graph-directory.js';
export { createGraphMailer, classifySendMailFailure, welcomeMailView } from './graph-mailer.js';
export type { GraphMailerOptions } from './graph-mailer.js';
export { createGraphGuestDirectory, classifyInvitationFailure } from './graph-guests.js';
export { createTeamsAppInstaller } from './teams-app-installation.js';
export { createGraphTemplateDirectory, groupKindOf } from './graph-template-directory.js';
export type { AppInstallOutcome, TeamsAppInstallerOptions } from './teams-app-installation.js';
