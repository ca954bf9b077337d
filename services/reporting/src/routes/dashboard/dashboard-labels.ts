import { type Department, IDENTITY_TYPES } from '@rmi/rules';

/** The departments as a township office names them (docs/DOMAIN.md, identity feeds). */
const DEPARTMENT_LABELS: Record<Department, string> = {
  'civil-affairs': '民政',
  'disabled-persons-federation': '残联',
  'rural-affairs': '农业农村（乡村振兴）',
  'veterans-affairs': '退役军人事务',
  'restructuring-office': '改制办',
  education: '教育',
  health: '卫生健康',
  tax: '税务',
};

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
