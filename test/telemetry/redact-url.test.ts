import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/telemetry.js';

describe('Graph URLs as telemetry keeps them', () => {
  it.each([
    ['https://graph.microsoft.com/v1.0/users/adele.vance%40contoso.com', 'https://graph.microsoft.com/v1.0/users/{user}'],
    ['https://graph.microsoft.com/v1.0/users/adele.vance@contoso.com/manager/$ref', 'https://graph.microsoft.com/v1.0/users/{user}/manager/$ref'],
    ["https://graph.microsoft.com/v1.0/users?$filter=displayName eq 'Adele Vance'&$select=id,userPrincipalName&$top=4",
      'https://graph.microsoft.com/v1.0/users?%24filter=…&%24select=id%2CuserPrincipalName&%24top=4'],
    ['https://graph.microsoft.com/v1.0/users/0f1e2d3c-aaaa-bbbb-cccc-123456789abc/checkMemberGroups',
      'https://graph.microsoft.com/v1.0/users/0f1e2d3c-aaaa-bbbb-cccc-123456789abc/checkMemberGroups'],
    ['https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token', 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token'],
    ['https://graph.microsoft.com/v1.0/users/onboarding@contoso.com/sendMail', 'https://graph.microsoft.com/v1.0/users/{user}/sendMail'],
  ])('when %s is called, then telemetry records %s', (raw, kept) => {
    expect(redactUrl(new URL(raw)).full).toBe(kept);
  });

  it('when a query names a person in any parameter but the field lists, then its value is not kept', () => {
    const { full, query } = redactUrl(new URL("https://graph.microsoft.com/v1.0/users?$search=\"displayName:Adele\"&$count=true&x=adele%40contoso.com"));
    expect(full).not.toMatch(/Adele|adele/);
    expect(query).toBe('?%24search=…&%24count=true&x=…');
  });
});
