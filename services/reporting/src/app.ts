import type { Db } from '@rmi/db';
import { type AppOptions, principalOf, requireRole, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import type { ReportingConfig } from './config.js';
import { loaders, resolvers } from './graphql/resolvers.js';
import { schema } from './graphql/schema.js';
import { createRegionViewRepository } from './repositories/regions.repository.js';

export const SERVICE = 'reporting';

const READERS = requireRole('county-operator', 'township-operator', 'dashboard');

async function graphql(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const regions = createRegionViewRepository(opts.db);
  // Only the GraphQL endpoint needs a reading role; GraphiQL's static page is public.
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url === '/graphql') await READERS.call(app, request, reply);
  });
  await app.register(mercurius, {
    schema,
    resolvers: resolvers as unknown as IResolvers,
    loaders: loaders as unknown as MercuriusLoaders,
    graphiql: true,
    context: (request) => ({ principal: principalOf(request), regions }),
  });
}

/** GraphQL for dashboards, exports, weekly rankings and the village assessment. */
export default async function reportingApp(app: FastifyInstance, opts: AppOptions<ReportingConfig>): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description: 'GraphQL for dashboards (/graphql, /graphiql), exports, weekly rankings and the village assessment.',
    db: opts.db,
    config: opts.config,
  });
  await app.register(graphql, { db: opts.db });
}
