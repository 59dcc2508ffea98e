// Registers the web app as an Azure Bot whose identity is the user-assigned managed identity
// (no app secret), and connects it to Microsoft Teams. Follows the Agents Toolkit's own
// templates (infra/botRegistration/azurebot.bicep of its default-bot template).

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file')
param resourceBaseName string

@maxLength(42)
param botDisplayName string

param botServiceName string = resourceBaseName
@description('F0 is enough: the Microsoft Teams channel is a standard channel.')
param botServiceSku string = 'F0'
param identityResourceId string
param identityClientId string
param identityTenantId string
@description('Host name of the web app, without scheme: the messaging endpoint is https://{botAppDomain}/api/messages')
param botAppDomain string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
  sku: {
    name: botServiceSku
  }
}

// Connect the bot service to Microsoft Teams
resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output botServiceName string = botService.name
