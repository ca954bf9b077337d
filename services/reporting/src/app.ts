import {
  AppError,
  type AppOptions,
  type BaseConfig,
  createChangeRunner,
  createPolicyCatalog,
  type Principal,
  requireRole,
  sendProblem,
  serviceKit,
  shanghaiToday,
  useJsonSchemaCompilers,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import { type GraphqlLimits, GraphqlLimitsSchema, type ReportingConfig } from './config.js';
import { reportingDb } from './db.js';
import type { ReportingDeps } from './deps.js';
import type { Context } from './graphql/context.js';
import { formatGraphqlErrors, handleGraphqlError } from './graphql/error-formatter.js';
import { costLimitHook } from './graphql/query-cost.js';
import { queryLimitRules } from './graphql/query-limits.js';
import { guardGraphqlRequest } from './graphql/request-guard.js';
import { loaders, resolvers } from './graphql/resolvers.js';
import { schema } from './graphql/schema.js';
import { createRegionViewRepository } from './regions/regions.repository.js';
import counters from './routes/counters/index.js';
import dashboard from './routes/dashboard/index.js';
import events from './routes/events/index.js';
import exportsRoutes from './routes/exports/index.js';
import graphiql from './routes/graphiql/index.js';
import snapshots from './routes/snapshots/index.js';
import { createSnapshotScheduler } from './weekly/snapshot-scheduler.js';

export const SERVICE = 'reporting';

const READERS = requireRole('county-operator', 'township-operator', 'dashboard');

async function graphql(app: FastifyInstance, opts: { deps: ReportingDeps; limits: GraphqlLimits }): Promise<void> {
  const regions = createRegionViewRepository(opts.deps.db);
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
  app.addHook('preHandler', guardGraphqlRequest);
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
    errorHandler: handleGraphqlError,
    // A query is compiled to JavaScript (graphql-jit) the second time it is seen: dashboards send
    // the same few documents again and again.
    jit: 1,
    // mercurius also builds a context to answer an error, a failed key check included (the
    // database down): there is no principal then, and no resolver runs to need one.
    context: (request): Context => ({ principal: request.principal as Principal, deps: opts.deps, regions }),
  });
  app.graphql.addHook('preExecution', costLimitHook(opts.limits.GRAPHQL_MAX_COST));
}

/** GraphQL for dashboards, exports, weekly rankings and the village assessment. */
export default async function reportingApp(
  app: FastifyInstance,
  opts: AppOptions<
    BaseConfig & Partial<GraphqlLimits> & Partial<Pick<ReportingConfig, 'POLICY_CACHE_MS' | 'SNAPSHOT_CHECK_MS'>>
  > & {
    /** Today's civil date; tests set the day (the weekly reports and snapshots follow it). */
    today?: () => string;
  },
): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'GraphQL for dashboards (/graphql, /graphiql), exports, weekly rankings and the village assessment; events from other services (/v1/events).',
    db: opts.db,
    config: opts.config,
  });
  const db = reportingDb(opts.db);
  const deps: ReportingDeps = {
    db,
    catalog: createPolicyCatalog(db, { ttlMs: opts.config.POLICY_CACHE_MS ?? 10_000, log: app.log }),
    today: opts.today ?? (() => shanghaiToday()),
  };
  // Apps built with the base configuration alone (other services' tests) get the default limits.
  await app.register(graphql, { deps, limits: GraphqlLimitsSchema.parse(opts.config) });
  await app.register(graphiql);
  await app.register(dashboard);
  // Beside the GraphQL scope, not inside it: its hooks and JSON-schema compilers stay there.
  await app.register(events, { deps });
  await app.register(counters, { deps });
  // Snapshots go through the change runner for their audit rows; reporting has no outbox.
  const change = createChangeRunner(db, {
    service: SERVICE,
    writeEvents: async (_trx, pending) => {
      if (pending.length > 0) throw new Error('reporting publishes no events');
    },
  });
  await app.register(snapshots, { deps, change });
  const checkMs = opts.config.SNAPSHOT_CHECK_MS ?? 60_000;
  if (checkMs > 0) {
    const scheduler = createSnapshotScheduler({
      deps,
      change,
      checkMs,
      log: app.log.child({ component: 'snapshots' }),
    });
    app.addHook('onReady', async () => scheduler.start());
    app.addHook('onClose', () => scheduler.stop());
  }
  await app.register(exportsRoutes, { deps });
}
