/**
 * Licences in the words of the Microsoft 365 admin center. Graph names a subscription by its
 * skuPartNumber ("SPE_E3"); people know it as "Microsoft 365 E3". The pairs below are from
 * Microsoft's table "Product names and service plan identifiers for licensing"
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference, String ID →
 * Product name), for the subscriptions organisations most often give new staff. Any other
 * subscription is named by its skuPartNumber.
 */
const PRODUCT_NAMES: Readonly<Record<string, string>> = {
  SPE_E3: 'Microsoft 365 E3',
  SPE_E5: 'Microsoft 365 E5',
  SPE_F1: 'Microsoft 365 F3',
  SPB: 'Microsoft 365 Business Premium',
  O365_BUSINESS_PREMIUM: 'Microsoft 365 Business Standard',
  O365_BUSINESS_ESSENTIALS: 'Microsoft 365 Business Basic',
  ENTERPRISEPACK: 'Office 365 E3',
  ENTERPRISEPREMIUM: 'Office 365 E5',
  STANDARDPACK: 'Office 365 E1',
  DESKLESSPACK: 'Office 365 F3',
  EXCHANGESTANDARD: 'Exchange Online (Plan 1)',
  EMS: 'Enterprise Mobility + Security E3',
  AAD_PREMIUM: 'Microsoft Entra ID P1',
  AAD_PREMIUM_P2: 'Microsoft Entra ID P2',
  POWER_BI_PRO: 'Power BI Pro',
};

/** "Microsoft 365 E3" for SPE_E3; the part number itself when we ship no name for it. */
export function licenceName(skuPartNumber: string): string {
  return PRODUCT_NAMES[skuPartNumber.toUpperCase()] ?? skuPartNumber;
}

/** Seats that can still be assigned: prepaidUnits.enabled − consumedUnits, never below 0. */
export function freeSeats(sku: { readonly enabledUnits: number; readonly consumedUnits: number }): number {
  return Math.max(0, sku.enabledUnits - sku.consumedUnits);
}
