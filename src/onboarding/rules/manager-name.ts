/**
 * The manager field takes a user name, but people type names ("Megan Bowen") and the
 * sentence reader fills in what it read. A name is looked up by display name: exactly one
 * person → their user name; none or several → a sentence saying what to type instead.
 */
import type { Directory, DirectoryUser } from '../kernel/ports.js';
import type { FieldProblem, OnboardingForm } from '../request/request.js';
import { say } from '../kernel/sentences.js';

const PERSON_NAME = /^[\p{L}\p{M}][\p{L}\p{M}'’. -]{0,112}$/u;
const SHOWN = 3;

export async function resolveManagerName(
  directory: Pick<Directory, 'findUsersByDisplayName'>, form: OnboardingForm,
): Promise<{ readonly form: OnboardingForm; readonly problem?: FieldProblem; /** The one person by that name. */ readonly found?: DirectoryUser }> {
  const typed = typeof form.manager === 'string' ? form.manager.trim().replace(/\s+/g, ' ') : '';
  // A user name, nothing, or something that is no name: validation has the last word.
  if (typed === '' || typed.includes('@') || !PERSON_NAME.test(typed)) return { form };
  const found = await directory.findUsersByDisplayName(typed, SHOWN + 1);
  const only = found.length === 1 ? found[0] : undefined;
  if (only) return { form: { ...form, manager: only.userPrincipalName }, found: only };
  if (found.length === 0) {
    return {
      form,
      problem: { field: 'manager', code: 'MANAGER_NOT_FOUND', message: say.MANAGER_NAME_UNKNOWN(typed) },
    };
  }
  const names = found.slice(0, SHOWN).map((u) => u.userPrincipalName).join(', ');
  return {
    form,
    problem: { field: 'manager', code: 'MANAGER_NOT_FOUND', message: say.MANAGER_NAME_AMBIGUOUS(typed, `${names}${found.length > SHOWN ? ', …' : ''}`) },
  };
}
