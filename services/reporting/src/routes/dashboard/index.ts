import { AppError } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { loadDashboardAssets } from './dashboard-assets.js';
import { dashboardPage } from './dashboard-page.js';

/**
 * The township dashboard at /dashboard: a static page and its files, all public. The figures come
 * from /graphql with the dashboard key the person types into the page.
 */
export default async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadDashboardAssets();
  const page = dashboardPage(assets);

  app.get('/dashboard', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    // The page names the current ECharts file, so it must be asked for again after a release.
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page),
  );

  app.get<{ Params: { name: string } }>(
    '/dashboard/assets/:name',
    { config: { public: true }, schema: { hide: true } },
    async (request, reply) => {
      const asset = assets.byName.get(request.params.name);
      if (!asset) throw new AppError(404, 'NOT_FOUND', `No dashboard file ${request.params.name}.`);
      reply
        .type(asset.type)
        .header('etag', asset.etag)
        .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.send(asset.body);
    },
  );
}
