import type { ComplexityEstimator } from 'graphql-query-complexity';

/**
 * What one occurrence of a field costs on top of the fields inside it; every other field costs 1
 * (it is copied from its parent). Priced by the work behind the field: `enrolmentProgress`
 * aggregates a region's enrolments and targets over the views (tens of milliseconds for a county,
 * and it is what 200 aliases repeated for 31 s); a region look-up, or one level of children through
 * the loader, is an indexed read. Every root field reads the database and must be priced here
 * (test/graphql-limits.test.ts checks it).
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  // Counter reads: one indexed statement over a region's villages (a few thousand rows at most).
  'Query.progress': 20,
  'Progress.children': 20,
  'Query.specialGroups': 20,
  'Query.funding': 20,
  'Query.weeklyReport': 20,
  'Query.weeklyTrend': 30,
  'Query.assessment': 30,
  'Query.cashAlerts': 50,
  'Query.reconciliation': 50,
  // A page of persons: the page size multiplies it (field-costs' test prices `first` too).
  'Query.unpaid': 50,
  'Query.enrolmentProgress': 100,
  'Query.region': 10,
  'Query.regions': 10,
  'Region.children': 10,
};

/** graphql-query-complexity estimator for the priced fields; the rest fall through to the default. */
export const pricedFields: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const cost = FIELD_COSTS[`${type.name}.${field.name}`];
  if (cost === undefined) return undefined;
  return cost + childComplexity * pagesOf(`${type.name}.${field.name}`, args);
};

/** Fields answering a page of rows: what is asked of each row is paid once per 50 rows. */
const PAGED: Readonly<Record<string, number>> = { 'Query.unpaid': 50 };

function pagesOf(field: string, args: Record<string, unknown>): number {
  const defaultSize = PAGED[field];
  if (defaultSize === undefined) return 1;
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : defaultSize;
  return Math.ceil(first / 50);
}
