/**
 * Expands an Adaptive Card template from adaptiveCards/ with its typed view model. The
 * templates are plain JSON so a designer can edit them in the Adaptive Cards designer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ACData from 'adaptivecards-templating';

export type AdaptiveCardJson = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

const templatesDirectory = fileURLToPath(new URL('../../../adaptiveCards/', import.meta.url));
const templateCache = new Map<string, ACData.Template>();

export function renderCard<TView extends object>(templateName: string, view: TView): AdaptiveCardJson {
  let template = templateCache.get(templateName);
  if (!template) {
    const json: unknown = JSON.parse(readFileSync(`${templatesDirectory}${templateName}.json`, 'utf8'));
    template = new ACData.Template(json);
    templateCache.set(templateName, template);
  }
  return template.expand({ $root: view }) as AdaptiveCardJson;
}
