import { attachOutbox } from '@rmi/outbox';
import { type AppOptions, createChangeRunner, createPolicyCatalog, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { SubsidyIdentityConfig } from './config.js';
import { identityDb } from './db.js';
import { outboxDelivery, writeEvents } from './events/outbox.js';
import deathRoutes from './routes/deaths/index.js';
import feedDownloadRoutes from './routes/feed-downloads/index.js';
import feedRoutes from './routes/feeds/index.js';
import identityRoutes from './routes/identities/index.js';
import identityTypes from './routes/identity-types/index.js';
import rosterRoutes from './routes/rosters/index.js';
import type { IdentityRoutesOptions } from './routes/routes-options.js';

export { type SubsidyIdentityConfig, SubsidyIdentityConfigSchema } from './config.js';

export const SERVICE = 'subsidy-identity';

/** Department identity feeds, identity spells by day, deaths, rosters and the assistance each person gets (就高). */
export default async function subsidyIdentityApp(
  app: FastifyInstance,
  opts: AppOptions<SubsidyIdentityConfig>,
): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'Identity lists posted by departments, their snapshots and diffs, identity history by day, deaths, rosters and the assistance each person gets.',
    db: opts.db,
    config: opts.config,
  });
  const db = identityDb(opts.db);
  const change = createChangeRunner(db, { service: SERVICE, writeEvents, afterCommit: () => app.outbox.nudge() });
  const catalog = createPolicyCatalog(db, { ttlMs: opts.config.POLICY_CACHE_MS, log: app.log });
  const shared: IdentityRoutesOptions = { pool: opts.db, db, change, catalog, config: opts.config };

  await app.register(identityTypes, { db });
  await app.register(feedRoutes, shared);
  await app.register(feedDownloadRoutes, shared);
  await app.register(identityRoutes, shared);
  await app.register(deathRoutes, shared);
  await app.register(rosterRoutes, shared);
  attachOutbox(app, outboxDelivery(opts.db, opts.config));
}
