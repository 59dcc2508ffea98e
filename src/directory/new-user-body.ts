import type { User } from '@microsoft/microsoft-graph-types';
import type { Secret, UserDraft } from '../onboarding/index.js';

/**
 * The POST /users body of a new account (one place for the single and the bulk path): enabled,
 * unlicensed (a template's licence is assigned after), the temporary password to be changed at
 * first sign-in, this request's marker, and its template's extension attributes.
 */
export function newUserBody(draft: UserDraft, password: Secret, marker: string, markerAttribute: string): User {
  return {
    accountEnabled: true,
    userPrincipalName: draft.userPrincipalName,
    mailNickname: draft.mailNickname,
    displayName: draft.displayName,
    givenName: draft.givenName,
    surname: draft.surname,
    usageLocation: draft.usageLocation,
    ...(draft.jobTitle ? { jobTitle: draft.jobTitle } : {}),
    ...(draft.department ? { department: draft.department } : {}),
    ...(draft.employeeType ? { employeeType: draft.employeeType } : {}),
    ...(draft.companyName ? { companyName: draft.companyName } : {}),
    ...(draft.officeLocation ? { officeLocation: draft.officeLocation } : {}),
    ...(draft.employeeHireDate ? { employeeHireDate: draft.employeeHireDate } : {}),
    passwordProfile: { forceChangePasswordNextSignIn: true, password: password.reveal() },
    // The template's attributes, and the marker last: it is never a template's to set.
    onPremisesExtensionAttributes: { ...draft.extensionAttributes, [markerAttribute]: marker },
  };
}
