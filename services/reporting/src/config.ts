import { baseConfigShape } from '@rmi/service-kit';
import { z } from 'zod';

/**
 * Limits a GraphQL document must meet before anything runs (graphql/query-limits.ts and
 * query-cost.ts). The defaults leave a dashboard several times the room its pages need: a township
 * page (its region and villages, its progress and the county's) is depth 3 and costs about 250.
 */
export const graphqlLimitsShape = {
  // Region trees go province → city → county → township → village: 5 levels of `children`, plus
  // the field that starts them and a field inside.
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(8),
  // Aliases are how one request repeats an expensive field; 200 of them once held the database 31 s.
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  // A field that reads the database counts far more than one copied from a parent (field-costs.ts):
  // the default admits about eight progress reports in one request. Below 250 GraphiQL would stop
  // working: the introspection query it sends costs about 230.
  GRAPHQL_MAX_COST: z.coerce.number().int().min(250).max(1_000_000).default(1000),
};

export const reportingShape = {
  // Goals, assessment bands and cash limits are read from the policies in force, cached this long.
  POLICY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  // How often a replica checks whether the week that ended (Monday 00:00 Asia/Shanghai) has its
  // closing snapshot; 0 turns the check off (tests that set the day by hand).
  SNAPSHOT_CHECK_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
};

export const ReportingConfigSchema = z.object({ ...baseConfigShape, ...graphqlLimitsShape, ...reportingShape });
export type ReportingConfig = z.infer<typeof ReportingConfigSchema>;

export const GraphqlLimitsSchema = z.object(graphqlLimitsShape);
export type GraphqlLimits = z.infer<typeof GraphqlLimitsSchema>;
