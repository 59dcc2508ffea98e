// Everything the onboarding bot runs on in Azure, following the Agents Toolkit's default-bot
// template (user-assigned managed identity, App Service, Azure Bot) plus what this bot needs:
// Storage (blob + table) and Key Vault reached by that identity only, and Application Insights.
// `arm/deploy` in m365agents.yml deploys it; the outputs are written to env/.env.{env}.

// The web app, bot, Key Vault and storage account names are global across Azure: an empty or short
// suffix would collide with someone else's deployment (or fail far into it).
@minLength(4)
@maxLength(13)
@description('4-13 lowercase letters or digits (RESOURCE_SUFFIX) that make the global resource names unique: onboard<suffix>.')
param resourceSuffix string

@maxLength(20)
@minLength(11)
@description('Used to generate names for all resources in this file')
param resourceBaseName string = 'onboard${resourceSuffix}'

// Basic or above: Always On and more than one instance (Free and Shared have neither).
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
  'P1v2'
  'P2v2'
  'P3v2'
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
  'P1mv3'
  'P2mv3'
  'P3mv3'
  'P4mv3'
  'P5mv3'
])
@description('App Service plan SKU: Basic (B1) or above, for Always On and several instances.')
param webAppSKU string

@minValue(1)
@maxValue(30)
@description('How many instances run the bot (at most what the SKU scales out to: Basic 3, Standard 10, Premium 30); requests, leases and rate limits are shared through Storage, so 2 or more is safe.')
param webAppInstanceCount int = 2

@maxLength(42)
param botDisplayName string

@description('Comma-separated object ids of the Entra groups whose members are admins (ADMIN_GROUP_IDS).')
param adminGroupIds string = ''
@description('Comma-separated object ids of the Entra groups whose members may request accounts (REQUESTER_GROUP_IDS).')
param requesterGroupIds string = ''
@description('Name of the Key Vault secret holding the credential sealing key (base64 of 32 random bytes).')
param credentialKeySecretName string = 'credential-sealing-key'
@description('Object id of whoever stores the sealing key in Key Vault (Key Vault Secrets Officer): a person, a group of admins or a pipeline\'s service principal; empty = nobody.')
param keyVaultSecretsOfficerPrincipalId string = ''
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('What keyVaultSecretsOfficerPrincipalId is: User, Group or ServicePrincipal (the role assignment must say so).')
param keyVaultSecretsOfficerPrincipalType string = 'User'

param serverfarmsName string = resourceBaseName
param webAppName string = resourceBaseName
param identityName string = resourceBaseName
@maxLength(24)
param storageAccountName string = toLower('${take(replace(resourceBaseName, '-', ''), 18)}store')
@maxLength(24)
param keyVaultName string = '${take(resourceBaseName, 20)}-kv'
param location string = resourceGroup().location

// Built-in role definitions (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

// The most instances a plan of each SKU scales out to (App Service limits,
// https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-app-service-limits):
// Basic 3, Standard 10, Premium v2 and v3 30. Asking for more than the SKU has is refused (webAppCapacity).
var maxInstancesBySku = {
  B1: 3
  B2: 3
  B3: 3
  S1: 10
  S2: 10
  S3: 10
  P1v2: 30
  P2v2: 30
  P3v2: 30
  P0v3: 30
  P1v3: 30
  P2v3: 30
  P3v3: 30
  P1mv3: 30
  P2mv3: 30
  P3mv3: 30
  P4mv3: 30
  P5mv3: 30
}

// More instances than the SKU scales out to stops the deployment with this sentence (Bicep's fail(),
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-flow-control), rather
// than quietly deploying fewer than were asked for.
var webAppCapacity = webAppInstanceCount <= maxInstancesBySku[webAppSKU] ? webAppInstanceCount : fail('webAppInstanceCount ${webAppInstanceCount} is more than a ${webAppSKU} plan scales out to (${maxInstancesBySku[webAppSKU]}): choose a larger webAppSKU or at most ${maxInstancesBySku[webAppSKU]} instances.')

// The bot's one identity: Bot Framework, Microsoft Graph, Storage and Key Vault, no secret anywhere.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  location: location
  name: identityName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${resourceBaseName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

// Requests, conversation state and rate limits (blob), the audit trail and sealed credentials (table).
// Shared keys are off: only Entra identities (the bot's) reach the data.
resource storage 'Microsoft.Storage/storageAccounts@2026-04-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// The credential sealing key lives here; access by Azure RBAC, not access policies.
resource keyVault 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultSecretsOfficerPrincipalId)) {
  scope: keyVault
  name: guid(keyVault.id, keyVaultSecretsOfficerPrincipalId, keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: keyVaultSecretsOfficerPrincipalId
    principalType: keyVaultSecretsOfficerPrincipalType
  }
}

// Compute resources for your Web App: Linux, so the bot runs as `node` like on a laptop.
resource serverfarm 'Microsoft.Web/serverfarms@2025-03-01' = {
  kind: 'linux'
  location: location
  name: serverfarmsName
  sku: {
    name: webAppSKU
    capacity: webAppCapacity
  }
  properties: {
    reserved: true
  }
}

// Web App that hosts your bot
resource webApp 'Microsoft.Web/sites@2025-03-01' = {
  kind: 'app,linux'
  location: location
  name: webAppName
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'npm run serve'
      alwaysOn: true
      // Liveness, not readiness: App Service takes an instance failing this out of the load balancer and
      // replaces it after an hour (https://learn.microsoft.com/azure/app-service/monitor-instances-health-check);
      // a Graph or Storage outage fails every instance alike, so /readyz (dependencies) is not the path.
      healthCheckPath: '/livez'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        {
          name: 'WEBSITE_RUN_FROM_PACKAGE'
          value: '1' // Run Azure App Service from the zip that azureAppService/zipDeploy uploads
        }
        {
          name: 'APP_ENV'
          value: 'azure' // No env/.env.azure file exists: these settings are the whole configuration
        }
        {
          name: 'APP_MODE'
          value: 'tenant'
        }
        {
          name: 'HOST'
          value: '0.0.0.0' // App Service sets PORT itself
        }
        {
          name: 'TENANT_ID'
          value: identity.properties.tenantId
        }
        {
          name: 'BOT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'BOT_APP_TYPE'
          value: 'UserAssignedMSI'
        }
        {
          name: 'GRAPH_USE_MANAGED_IDENTITY'
          value: 'true'
        }
        {
          name: 'GRAPH_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          // Key Vault and Storage: ManagedIdentityCredential without a client id asks App Service for
          // the system-assigned identity, which this app does not have (the request is refused).
          name: 'AZURE_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'STORAGE_BLOB_URL'
          value: storage.properties.primaryEndpoints.blob
        }
        {
          name: 'STORAGE_TABLE_URL'
          value: storage.properties.primaryEndpoints.table
        }
        {
          name: 'KEY_VAULT_URL'
          value: keyVault.properties.vaultUri
        }
        {
          name: 'CREDENTIAL_KEY_SECRET_NAME'
          value: credentialKeySecretName
        }
        {
          name: 'ADMIN_GROUP_IDS'
          value: adminGroupIds
        }
        {
          name: 'REQUESTER_GROUP_IDS'
          value: requesterGroupIds
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
      ]
    }
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
}

// No publishing with a user name and password: the Agents Toolkit's zip deploy (azureAppService/zipDeploy)
// sends the signed-in account's Entra token to Kudu's /api/zipdeploy and uses the site's publishing
// credentials only when it gets no token (createAzureDeployConfig in OfficeDev/teams-toolkit,
// packages/fx-core/src/component/driver/deploy/azure/impl/azureDeployImpl.ts) — since Teams Toolkit 5.0.0 /
// teamsfx-cli 2.0.0 (OfficeDev/teams-toolkit#8574, May 2023); the README names that minimum.
// https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: webApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: webApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Register your web service as a bot with the Bot Framework
module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    resourceBaseName: resourceBaseName
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: identity.properties.tenantId
    botAppDomain: webApp.properties.defaultHostName
    botDisplayName: botDisplayName
  }
}

// The output will be persisted in .env.{envName}. Visit https://aka.ms/teamsfx-actions/arm-deploy for more details.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output BOT_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output KEY_VAULT_NAME string = keyVault.name
output STORAGE_ACCOUNT_NAME string = storage.name
