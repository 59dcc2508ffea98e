import { renderCard } from './render.js';

export interface BotCommand {
  command: string;
  description: string;
}

/** View model of adaptiveCards/help.json. */
export interface HelpCardView {
  title: string;
  summary: string;
  commands: BotCommand[];
  safetyNote: string;
  canRequest: boolean;
}

export function helpCard(commands: readonly BotCommand[], canRequest: boolean) {
  const view: HelpCardView = {
    title: 'Onboarding — new Entra ID accounts',
    summary: 'I create Entra ID accounts for new starters from a request here in Teams. Type one of these:',
    commands: [...commands],
    safetyNote:
      'The temporary password goes only to the person who asked, in a private chat with me; the IT ticket channel gets the account name, never the password.',
    canRequest,
  };
  return renderCard('help', view);
}
