import { DEPARTMENT_LABELS, IDENTITY_TYPES } from '@rmi/rules';

/**
 * The page's Chinese names of identity codes and departments, as an ES module written from
 * @rmi/rules when the service starts: the page has no build step, and one table of identities
 * serves both.
 */
export function dashboardLabelsModule(): string {
  const identities = Object.fromEntries(IDENTITY_TYPES.map((t) => [t.code, t.labels[0]]));
  return `// Written by the reporting service from @rmi/rules.
export const IDENTITY_LABELS = Object.freeze(${JSON.stringify(identities)});
export const DEPARTMENT_LABELS = Object.freeze(${JSON.stringify(DEPARTMENT_LABELS)});
`;
}
