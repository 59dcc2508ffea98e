#!/usr/bin/env bash
# Grants the bot's managed identity the Microsoft Graph application permissions it needs
# (app role assignments on the identity's service principal), and nothing else.
#
#   scripts/grant-graph-permissions.sh PRINCIPAL_ID [--tap] [--mail] [--install-for-users] [--templates] [--guests]
#   scripts/grant-graph-permissions.sh --check PRINCIPAL_ID
#
# PRINCIPAL_ID: the identity's object (principal) id, BOT_IDENTITY_PRINCIPAL_ID in env/.env.dev
# after provisioning. Needs the Azure CLI signed in (az login) as a Privileged Role
# Administrator or Global Administrator of the tenant. Safe to run again: a permission
# already granted is left as it is. --check only lists what the identity has.
set -euo pipefail

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000 # Microsoft Graph, the same id in every tenant

# Always: the permissions the bot cannot work without (README: "Grant Microsoft Graph permissions").
permissions=(
  User.ReadWrite.All     # check that a UPN / mail nickname is free, create the account, set its manager, reset a password on reissue; a guest's profile, marker and sponsor
  GroupMember.Read.All   # who may request and who may approve: checkMemberGroups against the admin and requester groups, their names
  Domain.Read.All        # offer only the tenant's verified domains, and know which are federated
)

check_only=false
principal_id=""
for argument in "$@"; do
  case "$argument" in
    --check) check_only=true ;;
    --tap) permissions+=(UserAuthenticationMethod.ReadWrite.All) ;;           # TAP_MODE alongside/instead: issue and replace Temporary Access Passes
    --mail) permissions+=(Mail.Send) ;;                                       # e-mail notices; limit it to one mailbox with an Exchange application access policy
    --install-for-users) permissions+=(TeamsAppInstallation.ReadWriteSelfForUser.All) ;; # install the bot's own app for a recipient who never opened it, so it can write to them
    --templates) permissions+=(
      GroupMember.ReadWrite.All       # onboarding templates: add the new account to the template's groups (POST /groups/{id}/members/\$ref); not role-assignable ones
      LicenseAssignment.ReadWrite.All # onboarding templates: assign the template's licence (POST /users/{id}/assignLicense); the older way is User.ReadWrite.All, granted anyway
      LicenseAssignment.Read.All      # onboarding templates: read the free seats of the subscriptions (GET /subscribedSkus); the least privileged permission that reads them
    ) ;;
    --guests) permissions+=(User.Invite.All) ;;                               # invite guests (Entra B2B): POST /invitations
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "Unknown option: $argument (see --help)" >&2; exit 64 ;;
    *) principal_id="$argument" ;;
  esac
done

if [[ ! "$principal_id" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
  echo "Give the managed identity's principal id (a GUID): BOT_IDENTITY_PRINCIPAL_ID in env/.env.dev." >&2
  exit 64
fi
command -v az > /dev/null || { echo "The Azure CLI (az) is not installed: https://aka.ms/azure-cli" >&2; exit 69; }

graph_sp_id=$(az ad sp show --id "$GRAPH_APP_ID" --query id -o tsv)
assignments_url="https://graph.microsoft.com/v1.0/servicePrincipals/$principal_id/appRoleAssignments"
granted_role_ids=$(az rest --method GET --uri "$assignments_url" --query "value[?resourceId=='$graph_sp_id'].appRoleId" -o tsv)

if $check_only; then
  echo "Microsoft Graph application permissions of $principal_id:"
  for role_id in $granted_role_ids; do
    az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[?id=='$role_id'].value | [0]" -o tsv | sed 's/^/  /'
  done
  exit 0
fi

echo "Granting Microsoft Graph application permissions to $principal_id:"
for permission in "${permissions[@]}"; do
  role_id=$(az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[?value=='$permission' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)
  if [[ -z "$role_id" ]]; then
    echo "  $permission: no such application permission in Microsoft Graph" >&2
    exit 1
  fi
  if grep -qx "$role_id" <<< "$granted_role_ids"; then
    echo "  $permission: already granted"
    continue
  fi
  az rest --method POST --uri "$assignments_url" --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal_id\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$role_id\"}" --output none
  echo "  $permission: granted"
done
