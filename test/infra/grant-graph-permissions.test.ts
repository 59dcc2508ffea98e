/**
 * scripts/grant-graph-permissions.sh against a stand-in `az` that answers like the Azure CLI
 * (Graph's app roles with their real ids, the identity's app role assignments kept in a file)
 * and records every assignment the script creates. What it cannot show: that the real tenant
 * accepts the POST — README step 4 says how to check that.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/grant-graph-permissions.sh', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const PRINCIPAL = '5d7e2c1a-0000-4000-8000-00000000beef';
const GRAPH_SP = '0f3c1e2d-0000-4000-8000-00000000a000';
/** Microsoft Graph's application permissions (app role ids as published by Microsoft). */
const GRAPH_APP_ROLES: Record<string, string> = {
  'User.ReadWrite.All': '741f803b-c850-494e-b5df-cde7c675a1ca',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
  'Domain.Read.All': 'dbb9058a-0e50-45d7-ae91-66909b5d4664',
  'UserAuthenticationMethod.ReadWrite.All': '50483e42-d915-4231-9639-7fdb7fd190e5',
  'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
  'TeamsAppInstallation.ReadWriteSelfForUser.All': '908de74d-f8b2-4d6b-a9ed-2a17b3b78179',
  // graphpermissions.merill.net/permission/User.Invite.All; the same id in many public app manifests
  'User.Invite.All': '09850681-111b-4a89-9bed-3f2cae46d706',
  'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
  // Templates: as Microsoft Graph's service principal lists its appRoles, in merill/microsoft-info _info/GraphAppRoles.csv
  // (generated from it; commit 43b8a5d9, 2026-08-20), also https://graphpermissions.merill.net/permission/<name>.
  'GroupMember.ReadWrite.All': 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
  'LicenseAssignment.ReadWrite.All': '5facf0c1-8979-4e95-abcf-ff3d079771c0',
  'LicenseAssignment.Read.All': 'e2f98668-2877-4f38-a2f4-8202e0717aa1',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
};

/** The stand-in `az`: only the calls the script makes, answered from GRAPH_APP_ROLES and assignments.json. */
const FAKE_AZ = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const state = path.join(__dirname, 'assignments.json');
const assignments = fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, 'utf8')) : [];
const roles = ${JSON.stringify(GRAPH_APP_ROLES)};
const option = (name) => args[args.indexOf(name) + 1];
fs.appendFileSync(path.join(__dirname, 'calls.log'), args.join(' ') + '\\n');
if (args[0] === 'ad' && args[1] === 'sp' && args[2] === 'show' && option('--id') === '00000003-0000-0000-c000-000000000000') {
  const query = option('--query');
  if (query === 'id') return console.log('${GRAPH_SP}');
  const byValue = /value=='([^']+)'/.exec(query);
  if (byValue) return console.log(roles[byValue[1]] ?? '');
  const byId = /id=='([^']+)'/.exec(query);
  if (byId) return console.log(Object.keys(roles).find((name) => roles[name] === byId[1]) ?? '');
}
if (args[0] === 'rest' && option('--uri') === 'https://graph.microsoft.com/v1.0/servicePrincipals/${PRINCIPAL}/appRoleAssignments') {
  if (option('--method') === 'GET') return console.log(assignments.filter((a) => a.resourceId === '${GRAPH_SP}').map((a) => a.appRoleId).join('\\n'));
  if (option('--method') === 'POST') {
    assignments.push(JSON.parse(option('--body')));
    return fs.writeFileSync(state, JSON.stringify(assignments));
  }
}
console.error('fake az: unexpected call: ' + args.join(' '));
process.exit(2);
`;

describe('scripts/grant-graph-permissions.sh', () => {
  let bin: string;

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'fake-az-'));
    writeFileSync(join(bin, 'az'), FAKE_AZ);
    chmodSync(join(bin, 'az'), 0o755);
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const granted = () => (JSON.parse(readFileSync(join(bin, 'assignments.json'), 'utf8')) as { principalId: string; resourceId: string; appRoleId: string }[]);
  const nameOf = (roleId: string) => Object.keys(GRAPH_APP_ROLES).find((name) => GRAPH_APP_ROLES[name] === roleId);

  it('when it runs for the identity, then it grants exactly the three permissions the bot always needs, on Microsoft Graph', () => {
    const result = run(PRINCIPAL);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(granted().map((a) => nameOf(a.appRoleId)).sort()).toEqual(['Domain.Read.All', 'GroupMember.Read.All', 'User.ReadWrite.All']);
    expect(granted().every((a) => a.principalId === PRINCIPAL && a.resourceId === GRAPH_SP)).toBe(true);
  });

  it('when it runs again with --tap, then what was granted stays and only the Temporary Access Pass permission is added', () => {
    run(PRINCIPAL);
    const again = run(PRINCIPAL, '--tap');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('User.ReadWrite.All: already granted');
    expect(again.stdout).toContain('UserAuthenticationMethod.ReadWrite.All: granted');
    expect(granted()).toHaveLength(4);
  });

  it('when --mail and --install-for-users are given, then Mail.Send and TeamsAppInstallation.ReadWriteSelfForUser.All are granted too', () => {
    expect(run(PRINCIPAL, '--mail', '--install-for-users').status).toBe(0);
    expect(granted().map((a) => nameOf(a.appRoleId))).toEqual(expect.arrayContaining(['Mail.Send', 'TeamsAppInstallation.ReadWriteSelfForUser.All']));
    expect(granted().map((a) => nameOf(a.appRoleId))).not.toContain('Directory.ReadWrite.All');
  });

  it('when --templates is given, then the group, licence and seat permissions are granted too, and nothing broader (no Group.ReadWrite.All, no Directory.ReadWrite.All)', () => {
    const result = run(PRINCIPAL, '--templates');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(granted().map((a) => nameOf(a.appRoleId)).sort()).toEqual([
      'Domain.Read.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All',
    ]);
  });

  it('when --guests is given, then User.Invite.All is granted (the least privilege for POST /invitations, learn.microsoft.com/graph/api/invitation-post) and nothing wider', () => {
    expect(run(PRINCIPAL, '--guests').status).toBe(0);
    expect(granted().map((a) => nameOf(a.appRoleId)).sort()).toEqual(['Domain.Read.All', 'GroupMember.Read.All', 'User.Invite.All', 'User.ReadWrite.All']);
  });

  it('when --check is given, then it lists the identity\'s Graph permissions and grants nothing', () => {
    run(PRINCIPAL);
    const before = readFileSync(join(bin, 'calls.log'), 'utf8').split('\n').filter((line) => line.includes('--method POST')).length;
    const check = run('--check', PRINCIPAL);
    expect(check.status).toBe(0);
    expect(check.stdout.split('\n').map((line) => line.trim()).filter(Boolean).slice(1).sort()).toEqual(['Domain.Read.All', 'GroupMember.Read.All', 'User.ReadWrite.All']);
    expect(readFileSync(join(bin, 'calls.log'), 'utf8').split('\n').filter((line) => line.includes('--method POST')).length).toBe(before);
  });

  it.each([[[] as string[]], [['not-a-guid']], [['--tapp', PRINCIPAL]]])('when the arguments are %j, then it says what it needs in one sentence and calls nothing', (args) => {
    const result = run(...args);
    expect(result.status).toBe(64);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => readFileSync(join(bin, 'calls.log'))).toThrow();
  });

  it('when the README lists the Graph permissions, then they are the ones the script can grant', () => {
    const scripted = [...readFileSync(script, 'utf8').matchAll(/\b([A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]+)+)\b/g)].map((m) => m[1]!).filter((name) => name in GRAPH_APP_ROLES);
    const inReadme = [...readme.matchAll(/^\| `([A-Za-z.]+)` \|/gm)].map((m) => m[1]!).filter((name) => name in GRAPH_APP_ROLES);
    expect(new Set(inReadme)).toEqual(new Set(scripted));
    expect(inReadme).toHaveLength(10);
  });
});
