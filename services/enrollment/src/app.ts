import { type AppOptions, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { type EnrollmentConfig, xlsxLimits } from './config.js';

export { type EnrollmentConfig, EnrollmentConfigSchema } from './config.js';

import { createEnrolmentService } from './enrolments/enrolment-service.js';
import { attachOutboxWorker } from './events/outbox-worker.js';
import { createRegistrationImporter } from './imports/registration-import.js';
import { createPolicyCatalog } from './policies/policy-catalog.js';
import apiKeys from './routes/api-keys/index.js';
import auditLog from './routes/audit-log/index.js';
import enrolmentPayments from './routes/enrolment-payments/index.js';
import enrolmentRoutes from './routes/enrolments/index.js';
import estimates from './routes/estimates/index.js';
import households from './routes/households/index.js';
import persons from './routes/persons/index.js';
import policies from './routes/policies/index.js';
import quotes from './routes/quotes/index.js';
import regions from './routes/regions/index.js';
import registrationImports from './routes/registration-imports/index.js';
import targets from './routes/targets/index.js';

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
  await app.register(targets, { db: opts.db });
  await app.register(persons, { db: opts.db });
  await app.register(households, { db: opts.db });
  await app.register(auditLog, { db: opts.db });
  const catalog = createPolicyCatalog(opts.db, { ttlMs: opts.config.POLICY_CACHE_MS, log: app.log });
  await app.register(policies, { db: opts.db, catalog });
  await app.register(quotes, { catalog });
  await app.register(estimates, { catalog });
  const enrolments = createEnrolmentService(opts.db, catalog);
  await app.register(enrolmentRoutes, { db: opts.db, enrolments });
  await app.register(enrolmentPayments, { enrolments });
  const importer = createRegistrationImporter(opts.db, catalog, app.log, {
    sessions: opts.config.IMPORT_SESSIONS,
    statementTimeoutMs: opts.config.IMPORT_STATEMENT_TIMEOUT_MS,
    xlsx: xlsxLimits(opts.config),
  });
  await app.register(registrationImports, { db: opts.db, importer, maxBytes: opts.config.IMPORT_MAX_BYTES });
  app.addHook('onClose', () => importer.drain());
  // Routes that record events may call `request.server.outbox.nudge()` once their transaction commits.
  attachOutboxWorker(app, opts.db, opts.config);
  // A change answered successfully has committed its events: deliver them now, not at the next poll.
  // Public routes (quotes, estimates) change nothing; a nudge there would only cost a query.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.method !== 'GET' && reply.statusCode < 400 && !request.routeOptions.config?.public) app.outbox.nudge();
    done();
  });
}
