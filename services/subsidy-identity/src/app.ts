import { type AppOptions, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { SubsidyIdentityConfig } from './config.js';
import { identityDb } from './db.js';
import identityTypes from './routes/identity-types/index.js';

export const SERVICE = 'subsidy-identity';

/** Department identity feeds, snapshots and the assistance each person gets (就高). */
export default async function subsidyIdentityApp(
  app: FastifyInstance,
  opts: AppOptions<SubsidyIdentityConfig>,
): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'Identity lists posted by departments, their snapshots and diffs, and the assistance each person gets.',
    db: opts.db,
    config: opts.config,
  });
  await app.register(identityTypes, { db: identityDb(opts.db) });
}
