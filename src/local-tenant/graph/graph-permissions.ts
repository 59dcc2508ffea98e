// Application and delegated permissions each Graph operation accepts (any one set; all of a set).

const anyOf = (...names: string[]): string[][] => names.map((name) => [name]);
export const USER_READ = anyOf('User.Read.All', 'User.ReadWrite.All', 'User.ReadBasic.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
export const USER_WRITE = anyOf('User.ReadWrite.All', 'Directory.ReadWrite.All');
export const DOMAIN_READ = anyOf('Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
export const ORGANIZATION_READ = anyOf('Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
export const GROUP_MEMBER_WRITE = anyOf('GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All');
// group-post-members: "To add members to a role-assignable group, the app must also be assigned the RoleManagement.ReadWrite.Directory permission."
export const ROLE_MANAGEMENT_WRITE = anyOf('RoleManagement.ReadWrite.Directory');
export const GROUP_READ = anyOf('GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
export const MEMBERSHIP_READ = [
  ...['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'].flatMap((group) => [[group, 'User.Read.All'], [group, 'User.ReadWrite.All']]),
  ['Directory.Read.All'], ['Directory.ReadWrite.All'],
];
// user-assignlicense: LicenseAssignment.ReadWrite.All (least), Directory.ReadWrite.All, User.ReadWrite.All.
export const LICENSE_WRITE = anyOf('LicenseAssignment.ReadWrite.All', 'Directory.ReadWrite.All', 'User.ReadWrite.All');
// group-assignlicense: LicenseAssignment.ReadWrite.All (least), Directory.ReadWrite.All, Group.ReadWrite.All.
// user-reprocesslicenseassignment: User.ReadWrite.All (least), Directory.ReadWrite.All.
export const LICENSE_REPROCESS = anyOf('User.ReadWrite.All', 'Directory.ReadWrite.All');
export const GROUP_LICENSE_WRITE = anyOf('LicenseAssignment.ReadWrite.All', 'Directory.ReadWrite.All', 'Group.ReadWrite.All');
// subscribedsku-list: LicenseAssignment.Read.All (least), Directory.Read(Write).All, Organization.Read(Write).All.
export const SUBSCRIBED_SKU_READ = anyOf('LicenseAssignment.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.Read.All', 'Organization.ReadWrite.All');
// invitation-post: User.Invite.All (least), User.ReadWrite.All, Directory.ReadWrite.All.
export const INVITE = anyOf('User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All');
// user-post-sponsors / user-delete-sponsors: User.ReadWrite.All (least), Directory.ReadWrite.All.
export const SPONSOR_WRITE = anyOf('User.ReadWrite.All', 'Directory.ReadWrite.All');
// user resource, employeeLeaveDateTime: "To write this property, the calling app must be assigned the User.Read.All and
// User-LifeCycleInfo.ReadWrite.All permissions."
export const LIFECYCLE_WRITE = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].map((read) => ['User-LifeCycleInfo.ReadWrite.All', read]);
export const TAP_WRITE = anyOf('UserAuthenticationMethod.ReadWrite.All');
export const TAP_READ = anyOf('UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All');
export const POLICY_READ = anyOf('Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod');
export const POLICY_WRITE = anyOf('Policy.ReadWrite.AuthenticationMethod');
export const ME_READ = anyOf('User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.AccessAsUser.All');
export const MAIL_SEND = anyOf('Mail.Send');
// Installing the bot's own app needs only the Self variant; the others cover any app.
export const TEAMS_APP_INSTALLATION_WRITE = anyOf(
  'TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All',
  'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
);
export const TEAMS_APP_INSTALLATION_READ = [
  ...anyOf('TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.ReadSelfForUser.All'),
  ...TEAMS_APP_INSTALLATION_WRITE,
];
export const APP_CATALOG_READ = anyOf('AppCatalog.Read.All', 'AppCatalog.ReadWrite.All', 'AppCatalog.Submit', 'Directory.Read.All', 'Directory.ReadWrite.All');
export const CHANGE_OWN_PASSWORD = anyOf('Directory.AccessAsUser.All');

export function hasPermission(roles: string[], alternatives: string[][]): boolean {
  return alternatives.some((set) => set.every((permission) => roles.includes(permission)));
}
