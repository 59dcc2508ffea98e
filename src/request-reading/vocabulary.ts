/** Words more than one rule needs: they end a name, make a title, or name a department. */

// Nouns for a job ("Product Marketing Manager"): they make "as …" a title and may stand between
// "for our new" and a name.
export const ROLE_NOUNS: readonly string[] = [
  'manager', 'engineer', 'specialist', 'lead', 'director', 'analyst', 'designer', 'developer', 'assistant', 'coordinator',
  'officer', 'architect', 'administrator', 'advisor', 'adviser', 'executive', 'representative', 'associate', 'technician',
  'accountant', 'scientist', 'researcher', 'writer', 'editor', 'supervisor', 'planner', 'owner', 'programmer', 'tester',
  'recruiter', 'strategist', 'controller', 'auditor', 'clerk', 'receptionist', 'agent', 'buyer', 'counsel', 'secretary',
];

// Words of department names: written with a capital, they still end a person's name.
export const DEPARTMENT_WORDS: readonly string[] = [
  'marketing', 'sales', 'finance', 'human', 'resources', 'engineering', 'legal', 'operations', 'retail', 'support',
  'accounting', 'procurement', 'research', 'development', 'product', 'design', 'facilities', 'logistics', 'security',
  'communications', 'administration', 'customer', 'service', 'purchasing', 'compliance',
];
