import { type AppOptions, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { EnrollmentConfig } from './config.js';

export { type EnrollmentConfig, EnrollmentConfigSchema } from './config.js';

import { createPolicyCatalog } from './policies/policy-catalog.js';
import apiKeys from './routes/api-keys/index.js';
import auditLog from './routes/audit-log/index.js';
import estimates from './routes/estimates/index.js';
import persons from './routes/persons/index.js';
import policies from './routes/policies/index.js';
import quotes from './routes/quotes/index.js';
import regions from './routes/regions/index.js';

export const SERVICE = 'enrollment';

/** The enrollment service: persons and enrolments, and the administration of schema `core`. */
export default async function enrollmentApp(app: FastifyInstance, opts: AppOptions<EnrollmentConfig>): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description: 'Persons, households, enrolments, quotes and benefit periods; API keys, regions and the audit log.',
    db: opts.db,
    config: opts.config,
  });
  await app.register(apiKeys, { db: opts.db });
  await app.register(regions, { db: opts.db });
  await app.register(persons, { db: opts.db });
  await app.register(auditLog, { db: opts.db });
  const catalog = createPolicyCatalog(opts.db, { ttlMs: opts.config.POLICY_CACHE_MS, log: app.log });
  await app.register(policies, { db: opts.db, catalog });
  await app.register(quotes, { catalog });
  await app.register(estimates, { catalog });
}
