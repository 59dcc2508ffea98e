/**
 * The sentences of onboarding templates, part of the one catalog (sentences.ts re-exports them):
 * managing them, the request's review, the ticket and its buttons.
 */
/** What the bot says about onboarding templates: managing them, the review, the ticket (templates/). */
export const sayTemplates = {
  // --- who may, and where
  ADMINS_ONLY: (admins: string) => `Only IT admins can manage onboarding templates. Ask a member of ${admins}.`,
  PERSONAL_CHAT_ONLY: () =>
    'Templates name groups, licences and who changed them, so I show them only in your 1:1 chat with me: open a chat with Onboarding and type "templates" there.',
  USAGE: () =>
    'Usage: **templates** (list them, with New, Edit and Remove), **templates export** (all of them as JSON for review in git), **templates import** followed by that JSON (creates or updates the templates it names, all or none).',

  // --- the text of a template
  NAME_REQUIRED: () => 'The name is required.',
  NAME_TAKEN: (other: string) => `Another template is already called ${other}; choose another name.`,
  INVISIBLE_CHARACTERS: (label: string) => `${label} contains invisible or control characters; please retype it.`,
  TOO_LONG: (label: string, max: number) => `${label} is longer than ${max} characters.`,
  TOO_MANY: (plural: string, max: number) => `Too many ${plural}: a template takes at most ${max}.`,
  APPLIES_TO_NOBODY: () => 'Say which departments (or employee types) the template applies to: without either it applies to nobody.',
  COUNTRY_CODE: () => 'The usage location must be a two-letter country code such as US, GB or SE.',
  EXTENSION_ATTRIBUTE_UNKNOWN: (key: string) => `"${key}" is not an extension attribute: use extensionAttribute1 to extensionAttribute15.`,
  EXTENSION_ATTRIBUTE_RESERVED: (n: number) => `extensionAttribute${n} holds the bot's own mark on the accounts it creates (CREATE_MARKER_ATTRIBUTE), so a template may not set it.`,
  GROUP_ID_FORM: (id: string) => `"${id}" is not a group id (a GUID); pick the group by its name instead.`,
  SKU_ID_FORM: (id: string) => `"${id}" is not a subscription id (a GUID, the skuId of GET /subscribedSkus).`,

  // --- what the directory says
  GROUP_UNKNOWN: (id: string) => `No group with the id ${id} exists in the directory (removed, or from another tenant).`,
  GROUP_DYNAMIC: (name: string) => `${name} has dynamic membership: a rule decides its members, so a template cannot add people to it. Change its rule (or the attributes it reads) instead.`,
  GROUP_ROLE_ASSIGNABLE: (name: string) => `${name} can be assigned to Entra roles: only a Privileged Role Administrator may change its members, so a template cannot add people to it.`,
  GROUP_EXCHANGE_MANAGED: (name: string) => `${name} is a mail-enabled security group or a distribution list: its members are managed in Exchange Online, not through Microsoft Graph, so a template cannot add people to it.`,
  LICENCE_GROUP_WITHOUT_LICENCE: (name: string) => `${name} assigns no licence (no group-based licensing on it): choose a licensing group, or a subscription.`,
  SKU_UNKNOWN: (skuId: string) => `The organisation has no subscription with the id ${skuId}.`,
  SKU_NOT_FOR_USERS: (partNumber: string) => `${partNumber} is a subscription for the organisation, not for people: choose one that is assigned to users.`,

  // --- managing them in Teams
  NONE_YET: () => 'No onboarding templates yet. Press New template to make the first: the departments it is for, its groups and licence, and defaults for empty fields.',
  SAVED: (name: string, created: boolean) => `${created ? 'Created' : 'Saved'} the template ${name}. The next request it applies to uses it.`,
  REMOVED: (name: string) => `Removed the template ${name}. Requests reviewed with it are asked to review again; accounts already created keep what it gave them.`,
  REMOVE_CONFIRM: (name: string) => `Remove the template ${name}? Requests already reviewed with it will be asked to review again before Create.`,
  CHANGED_MEANWHILE: (name: string, by: string) =>
    `${by} changed the template ${name} after you opened it, so your change was not saved. Here it is as it is now: make your change again.`,
  GONE_MEANWHILE: () => 'This template was removed after you opened it; nothing was saved.',
  UNKNOWN_TEMPLATE: () => 'I no longer know this template; type "templates" for the current list.',
  NEEDS_CHANGES: (count: number) => `Nothing was saved: ${count === 1 ? 'one field needs' : `${count} fields need`} changing (marked below).`,
  GROUP_SEARCH_EMPTY: (text: string) => `No group's name starts with "${text}".`,
  GROUP_SEARCH_HINT: () => 'Type the start of a group\'s name and press Find groups; tick the groups to add.',
  TOO_MANY_TEMPLATES: (max: number) => `There are already ${max} templates, the most the bot keeps; remove one first.`,

  // --- export and import
  EXPORT: (count: number, json: string) => `${count} template${count === 1 ? '' : 's'} as JSON (commit it for review; \`templates import\` takes it back):\n\n\`\`\`json\n${json}\n\`\`\``,
  EXPORT_PART: (part: number, parts: number, json: string) => `Part ${part} of ${parts} (join the parts in order):\n\n\`\`\`json\n${json}\n\`\`\``,
  EXPORT_SENT: () => 'The templates are in the message above, as JSON.',
  IMPORT_EMPTY: () => 'Paste the JSON after "templates import" (as "templates export" gives it).',
  IMPORT_TOO_LARGE: (maxKb: number) => `The JSON is larger than ${maxKb} KB; nothing was imported.`,
  IMPORT_NOT_JSON: (detail: string) => `That is not JSON (${detail.slice(0, 120)}); nothing was imported.`,
  IMPORT_PROBLEMS: (count: number) => `Nothing was imported: ${count === 1 ? 'one problem' : `${count} problems`}, by template and field:`,
  IMPORT_PROBLEM: (template: string, field: string, message: string) => `${template}, ${field}: ${message}`,
  IMPORT_SHAPE: (what: string) => `expected ${what}.`,
  IMPORT_UNKNOWN_FIELD: (field: string) => `"${field.slice(0, 40)}" is not a field of a template.`,
  IMPORT_DUPLICATE_NAME: (name: string) => `${name} appears twice in the file.`,
  IMPORT_CHANGED_MEANWHILE: () => 'Someone changed the templates while I was importing, so nothing was imported. Try again.',
  IMPORTED: (created: readonly string[], updated: readonly string[], unchanged: readonly string[]) =>
    `Imported: ${[
      created.length ? `created ${created.join(', ')}` : '', updated.length ? `updated ${updated.join(', ')}` : '', unchanged.length ? `unchanged ${unchanged.join(', ')}` : '',
    ].filter(Boolean).join('; ')}.`,

  // --- the request: form and review
  CHOSEN_TEMPLATE_GONE: () => 'The template you chose was removed meanwhile; leave Template on "By department" or choose another.',
  CHOSEN_TEMPLATE_DOES_NOT_APPLY: (name: string, department: string, applicable: readonly string[]) =>
    `The template ${name} is not for ${department ? `the department ${department}` : 'an empty department'}${applicable.length > 0 ? `; these are: ${applicable.join(', ')}` : ''}.`,
  NONE_APPLIES: (department: string | undefined) =>
    `No template applies to ${department ? `the department ${department}` : 'a request without a department'}: no groups or licence will be added, only the account.`,
  DECLINED: () => 'No template (you chose none): no groups or licence will be added, only the account.',
  SEVERAL_APPLY: (chosen: string, others: readonly string[]) =>
    `${others.length === 1 ? `The template ${others[0]} applies too` : `The templates ${others.join(', ')} apply too`}; ${chosen} is used. To use another, press Edit and choose it under Template.`,
  BY_DEPARTMENT: () => 'By department',
  NO_TEMPLATE_CHOICE: () => 'No template',
  SEATS: (licence: string, free: number, total: number) => `${licence} — ${free} of ${total} free`,
  SEATS_UNKNOWN: (licence: string) => `${licence} — free seats unknown (the subscriptions could not be read)`,
  LICENCE_THROUGH_GROUP: (group: string, licences: readonly string[]) => `${licences.join(', ') || 'its licences'}, through the group ${group}`,
  NO_SEATS_AT_REVIEW: (licence: string) => `${licence} has no free seats now: the account will be created without it, and IT can assign it later from the ticket.`,
  DEFAULTS_USED: (facts: readonly string[]) => facts.join(', '),
  DEFAULT_FACT: (label: string, value: string, from: 'template' | 'organisation') => `${label} ${value} (${from === 'template' ? 'from the template' : 'default'})`,
  CHANGED_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} changed after your review, so here is the review again with it as it is now. Check it and press Create account.`,
  REMOVED_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} was removed after your review, so here is the review again without it. Check it and press Create account.`,
  APPLIES_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} now applies to this request and did not at your review, so here is the review again with it. Check it and press Create account.`,
  JOB_TITLE_SUGGESTIONS: (titles: readonly string[]) => `e.g. ${titles.join(', ')}`,

  // --- the ticket, after the account exists
  TICKET_TEMPLATE: (name: string) => `Template ${name}:`,
  GROUPS_ADDED: (names: readonly string[]) => `added to ${names.join(', ')}.`,
  GROUP_NOT_ADDED: (name: string, why: string) => `Not added to ${name}: ${why}`,
  WHY_DYNAMIC: () => 'its members are decided by a rule (dynamic membership); change the rule or the person\'s attributes.',
  WHY_ROLE_ASSIGNABLE: () => 'it can be assigned to Entra roles, and only a Privileged Role Administrator may change its members.',
  WHY_EXCHANGE_MANAGED: () => 'it is a mail-enabled security group or a distribution list, whose members are managed in Exchange Online.',
  WHY_FORBIDDEN: (permission: string) => `the bot may not change its members (Microsoft Graph permission ${permission} missing).`,
  WHY_GROUP_GONE: () => 'the group no longer exists.',
  WHY_NOT_DONE: () => 'Microsoft Graph did not answer in time; press Apply template to finish.',
  WHY_OTHER: (detail: string) => `Entra refused (${detail}).`,
  LICENCE_ASSIGNED: (licence: string) => `Licence ${licence} assigned.`,
  LICENCE_ALREADY: (licence: string) => `Licence ${licence} assigned (it already was).`,
  LICENCE_REQUESTED: (licence: string, group: string) => `Licence ${licence} requested through the group ${group}: Entra assigns it in the background.`,
  LICENCE_ACTIVE: (licence: string, group: string) => `Licence ${licence} assigned through the group ${group}.`,
  LICENCE_GROUP_ERROR: (licence: string, group: string, error: string) =>
    `Licence ${licence} through the group ${group}: Entra reports ${error}${error === 'CountViolation' ? ' (no free seats): buy or free a seat, then reprocess the user\'s licences in the Entra admin center' : ''}.`,
  LICENCE_MISSING: (licence: string, why: string) => `Licence ${licence} missing: ${why}`,
  WHY_NO_SEATS: (free: number, total: number) => `no free seats (${free} of ${total} free); buy or free a seat, then press Assign licence.`,
  WHY_NO_USAGE_LOCATION: () => 'the account has no usage location, which a licence needs; set it, then press Assign licence.',
  WHY_UNKNOWN_SKU: () => 'the organisation no longer holds this subscription; edit the template.',
  WHY_LICENCE_FORBIDDEN: (permission: string) => `the bot may not assign licences or read seats (Microsoft Graph permission ${permission} missing); grant it, then press Assign licence.`,
  WHY_LICENCE_NOT_DONE: () => 'Microsoft Graph did not answer in time; press Assign licence.',
  DEFAULTS_IN_TICKET: (facts: readonly string[]) => `Defaults used: ${facts.join(', ')}.`,
  RESULT_FACT: (name: string) => `${name} (IT's ticket says what it added)`,

  // --- the ticket's buttons
  ACTION_NOT_ALLOWED: (admins: string) => `Only IT admins can apply templates or assign licences. Ask a member of ${admins}.`,
  ACTION_UNKNOWN_REQUEST: () => 'I no longer know this request, so nothing was changed.',
  ACTION_NO_ACCOUNT: () => 'No account was created for this request, so there is nothing to apply a template to.',
  ACTION_NOT_FINISHED: () => 'This account is still being created; its template is applied as part of that. Try again once the ticket says the account is ready.',
  ACTION_IN_PROGRESS: () => 'The template is being applied to this account right now; nothing more was started.',
  ACTION_ALREADY_APPLIED: (name: string) => `The template ${name} is already applied to this account; nothing more was done.`,
  ACTION_LICENCE_ALREADY: (licence: string) => `${licence} is already assigned to this account; nothing more was done.`,
  ACTION_NO_LICENCE_MISSING: () => 'No licence is missing on this account; nothing was done.',
  ACTION_NO_TEMPLATE_APPLIES: (department: string | undefined) =>
    `No template applies to ${department ? `the department ${department}` : 'an account without a department'}, so nothing was applied.`,
  ACTION_DONE: (name: string) => `Applied the template ${name}; the ticket says what it added.`,
  ACTION_LICENCE_DONE: (licence: string) => `Assigned ${licence}; the ticket says so.`,
  ACTION_LICENCE_STILL_MISSING: (licence: string) => `${licence} is still missing; the ticket says why.`,
} as const;
