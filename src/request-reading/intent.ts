/**
 * Does the message read like a request for an account at all? Only then does the bot open the
 * form. Commands and questions about an existing request never do.
 */
import type { NewPerson } from './people.js';

// Commands the bot answers itself; they never open the form.
const COMMAND = /^(?:help|status|set ticket channel|cancel|stop)\b/i;
const STATUS_QUESTION = /\b(?:status|progress)\s+(?:of|for|on)\b|\bwhat(?:'s|’s| is) (?:happening|going on) with\b/i;
const INTENT: readonly RegExp[] = [
  /\b(?:create|creating|set\s?up|setting up|make|open|provision|add|register|needs?|requesting|request|get|give)\b[^.!?]{0,60}?\b(?:accounts?|users?|logins?|log-ins?|mailbox(?:es)?|identity|upn)\b/i,
  /\bonboard(?:s|ed|ing)?\b/i,
  /\bnew\s+(?:accounts?|users?|starters?|hires?|joiners?|employees?|colleagues?|team members?|staff members?|contractors?|interns?)\b/i,
  /\b(?:is|are|will be)\s+(?:joining|starting)\b/i,
  /\b(?:joiner|starter) form\b/i,
  // "invite Jane Doe as a guest", "invite jane.doe@fabrikam.example"
  /\binvit(?:e|ing)\b[^.!?]{0,80}?(?:\bguests?\b|@)/i,
];

// Managers often name the person instead of saying "account": "set up Adele Vance", "account
// for Adele Vance pls", "Adele Vance starts Monday in Marketing, INC-4711". These looser readings
// only count when the name rules found a person, and never for a question about someone or
// something the sender already did.
const REQUEST_VERB_CUE = /^(?:create|set\s?up|provision|onboard(?:ing)?|invite)$/i;
// "I set up Adele Vance yesterday" reports; "can I set up…" and "can you set up…" ask.
const STATEMENT_BEFORE_VERB = /(?:(?<!\b(?:can|could|may|shall|should)\s+)\b(?:I|we)|\b(?:I've|we've|already|just|have|has|had|was|were|been))\s+$/i;
// An account asked for ("account for", "an account for"), not "the account for X" someone has.
const ACCOUNT_BEFORE_FOR = /(?:^|[^\p{L}\p{N}\s]\s*|\b(?:an?|one|new)\s+)(?:user\s+)?(?:accounts?|users?|logins?|log-ins?|mailbox(?:es)?)\s+$/iu;
// "…for Adele Vance is locked", "…for Adele Vance already exists": about an account that exists.
const STATEMENT_AFTER_NAME = /^\s*(?:(?:is|was)(?!\s+(?:needed|required)\b)|has|had|got|already|exists|still|isn't|wasn't|hasn't|doesn't|didn't|can't|cannot|won't)\b/i;
const QUESTION_OPENING = /^(?:(?:hi|hello|hey)\b[\s,!]*)?(?:who|what|what's|whats|when|where|why|which|whose|is there|are there|does|did|has|have|was|were)\b/i;

/** What the other rules found, which a request that never says "account" still carries. */
export interface RequestSignals {
  readonly person?: NewPerson | undefined;
  /** The start date came right after a start or join word ("starts Monday"), not after "from". */
  readonly joiningDate: boolean;
  /** How many of ticket, department, employee type and job title were read. */
  readonly details: number;
  /** The new person's address was given (not the manager's, not a personal one). */
  readonly personAddress?: boolean | undefined;
}

export function readsLikeAccountRequest(text: string, signals: RequestSignals): boolean {
  if (COMMAND.test(text) || STATUS_QUESTION.test(text)) return false;
  return INTENT.some((pattern) => pattern.test(text)) || readsLikeRequestForPerson(text, signals);
}

function readsLikeRequestForPerson(text: string, { person, joiningDate, details, personAddress }: RequestSignals): boolean {
  if (QUESTION_OPENING.test(text)) return false;
  // (d) "Jane Doe, contractor from Fabrikam, jane.doe@fabrikam.example, Marketing, ticket INC-5100": the person's
  // address and at least two things only a request carries.
  if (personAddress && details >= 2) return true;
  if (!person) return false;
  const beforeCue = text.slice(0, person.cueStart);
  // (a) A request verb right before the person: "can you set up Adele Vance".
  if (REQUEST_VERB_CUE.test(person.cue) && !STATEMENT_BEFORE_VERB.test(beforeCue)) return true;
  // (b) "account for Adele Vance pls".
  if (person.cue.toLowerCase() === 'for' && ACCOUNT_BEFORE_FOR.test(beforeCue) && !STATEMENT_AFTER_NAME.test(text.slice(person.end))) return true;
  // (c) No request words, but a person who starts on a date plus something only a request
  // carries (ticket, department, type, title). The date must follow a start word: "needs access
  // from Monday, INC-4711" is some other request.
  return joiningDate && details >= 1;
}
