import type { Db } from '@rmi/db';
import {
  AppError,
  type AppOptions,
  principalOf,
  requireRole,
  sendProblem,
  serviceKit,
  useJsonSchemaCompilers,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import type { ReportingConfig } from './config.js';
import { loaders, resolvers } from './graphql/resolvers.js';
import { schema } from './graphql/schema.js';
import { createProgressRepository } from './repositories/progress.repository.js';
import { createRegionViewRepository } from './repositories/regions.repository.js';
import events from './routes/events/index.js';

export const SERVICE = 'reporting';

const READERS = requireRole('county-operator', 'township-operator', 'dashboard');

async function graphql(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const regions = createRegionViewRepository(opts.db);
  const progress = createProgressRepository(opts.db);
  useJsonSchemaCompilers(app);
  // Only the GraphQL endpoint needs a reading role; GraphiQL's static page is public. Mercurius
  // answers errors of its scope as GraphQL, so a refused role is sent here as problem+json.
  app.addHook('preHandler', async (request, reply) => {
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
    graphiql: true,
    context: (request) => ({ principal: principalOf(request), regions, progress }),
  });
}

/** GraphQL for dashboards, exports, weekly rankings and the village assessment. */
export default async function reportingApp(app: FastifyInstance, opts: AppOptions<ReportingConfig>): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'GraphQL for dashboards (/graphql, /graphiql), exports, weekly rankings and the village assessment; events from other services (/v1/events).',
    db: opts.db,
    config: opts.config,
  });
  await app.register(graphql, { db: opts.db });
  // Beside the GraphQL scope, not inside it: its hooks and JSON-schema compilers stay there.
  await app.register(events, { db: opts.db });
}
