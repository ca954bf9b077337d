import { AppError } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { loadGraphiqlAssets } from './graphiql-assets.js';
import { graphiqlPage } from './graphiql-page.js';

/** GraphiQL at /graphiql, every file of it served from here. */
export default async function graphiqlRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadGraphiqlAssets();
  const byName = new Map(Object.values(assets).map((asset) => [asset.name, asset]));
  const page = graphiqlPage(assets);

  app.get('/graphiql', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    // The page names the current assets, so it must be asked for again after a release.
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page),
  );

  app.get<{ Params: { name: string } }>(
    '/graphiql/assets/:name',
    { config: { public: true }, schema: { hide: true } },
    async (request, reply) => {
      const asset = byName.get(request.params.name);
      if (!asset) throw new AppError(404, 'NOT_FOUND', `No GraphiQL file ${request.params.name}.`);
      return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body);
    },
  );
}
