import {
  AppError,
  type AppOptions,
  type BaseConfig,
  principalOf,
  requireRole,
  sendProblem,
  serviceKit,
  useJsonSchemaCompilers,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import { type GraphqlLimits, GraphqlLimitsSchema } from './config.js';
import { type ReportingDb, reportingDb } from './db.js';
import { formatGraphqlErrors } from './graphql/error-formatter.js';
import { costLimitHook } from './graphql/query-cost.js';
import { queryLimitRules } from './graphql/query-limits.js';
import { loaders, resolvers } from './graphql/resolvers.js';
import { schema } from './graphql/schema.js';
import { createProgressRepository } from './repositories/progress.repository.js';
import { createRegionViewRepository } from './repositories/regions.repository.js';
import events from './routes/events/index.js';
import graphiql from './routes/graphiql/index.js';

export const SERVICE = 'reporting';

const READERS = requireRole('county-operator', 'township-operator', 'dashboard');

async function graphql(app: FastifyInstance, opts: { db: ReportingDb; limits: GraphqlLimits }): Promise<void> {
  const regions = createRegionViewRepository(opts.db);
  const progress = createProgressRepository(opts.db);
  useJsonSchemaCompilers(app);
  // Only the GraphQL endpoint needs a reading role; GraphiQL's static page is public. Checked as
  // the request arrives, before its body is read or its query parsed. Mercurius answers errors of
  // its scope as GraphQL, so a refused role is sent here as problem+json.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql') return;
    try {
      await READERS.call(app, request, reply);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return sendProblem(reply, request, err.status, err.code, err.message);
    }
  });
  await app.register(mercurius, {
    schema,
    resolvers: resolvers as unknown as IResolvers,
    loaders: loaders as unknown as MercuriusLoaders,
    // Served by routes/graphiql from our own files: mercurius' page loads React from a CDN.
    graphiql: false,
    // Each query of a batch is validated and priced alone, so a batch would multiply every limit
    // by its length; an array body is refused with 400.
    allowBatchedQueries: false,
    // Depth and aliases need only the document: checked once per document, refusals cached.
    validationRules: queryLimitRules(opts.limits),
    errorFormatter: formatGraphqlErrors,
    context: (request) => ({ principal: principalOf(request), regions, progress }),
  });
  app.graphql.addHook('preExecution', costLimitHook(opts.limits.GRAPHQL_MAX_COST));
}

/** GraphQL for dashboards, exports, weekly rankings and the village assessment. */
export default async function reportingApp(
  app: FastifyInstance,
  opts: AppOptions<BaseConfig & Partial<GraphqlLimits>>,
): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'GraphQL for dashboards (/graphql, /graphiql), exports, weekly rankings and the village assessment; events from other services (/v1/events).',
    db: opts.db,
    config: opts.config,
  });
  const db = reportingDb(opts.db);
  // Apps built with the base configuration alone (other services' tests) get the default limits.
  await app.register(graphql, { db, limits: GraphqlLimitsSchema.parse(opts.config) });
  await app.register(graphiql);
  // Beside the GraphQL scope, not inside it: its hooks and JSON-schema compilers stay there.
  await app.register(events, { db });
}
