import { attachOutbox } from '@rmi/outbox';
import {
  type AppOptions,
  createChangeRunner,
  createPolicyCatalog,
  importXlsxLimits,
  serviceKit,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { EnrollmentConfig } from './config.js';

export { type EnrollmentConfig, EnrollmentConfigSchema } from './config.js';

import { createApiKeysService } from './api-keys/api-keys.service.js';
import { createAuditLogService } from './audit-log/audit-log.service.js';
import { enrollmentDb } from './db.js';
import { createEnrolmentsService } from './enrolments/enrolments.service.js';
import { writeEvents } from './events/outbox.js';
import { outboxDelivery } from './events/outbox-worker.js';
import { createEventsService } from './events/receive-events.js';
import { createHouseholdsService } from './households/households.service.js';
import { createImportsService } from './imports/imports.service.js';
import { createRegistrationImporter } from './imports/registration-import.js';
import { createPersonsService } from './persons/persons.service.js';
import { createPoliciesService } from './policies/policies.service.js';
import { createRegionsService } from './regions/regions.service.js';
import apiKeyRoutes from './routes/api-keys/index.js';
import auditLogRoutes from './routes/audit-log/index.js';
import enrolmentPaymentRoutes from './routes/enrolment-payments/index.js';
import enrolmentRoutes from './routes/enrolments/index.js';
import estimateRoutes from './routes/estimates/index.js';
import eventRoutes from './routes/events/index.js';
import householdRoutes from './routes/households/index.js';
import personRoutes from './routes/persons/index.js';
import policyRoutes from './routes/policies/index.js';
import quoteRoutes from './routes/quotes/index.js';
import regionRoutes from './routes/regions/index.js';
import registrationImportRoutes from './routes/registration-imports/index.js';
import targetRoutes from './routes/targets/index.js';
import { createTargetsService } from './targets/targets.service.js';

export const SERVICE = 'enrollment';

/**
 * The enrollment service: persons and enrolments, and the administration of schema `core`. The
 * use cases live in one folder per feature (persons/, enrolments/ …) and know nothing of HTTP;
 * routes/ validates, calls one of them with the caller as an Actor, and answers.
 */
export default async function enrollmentApp(app: FastifyInstance, opts: AppOptions<EnrollmentConfig>): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description: 'Persons, households, enrolments, quotes and benefit periods; API keys, regions and the audit log.',
    db: opts.db,
    config: opts.config,
  });
  const db = enrollmentDb(opts.db);
  // Every write commits its audit rows and events together; the worker then delivers them at once
  // instead of at its next poll (`outbox` is decorated below, before the first request).
  const change = createChangeRunner(db, {
    service: SERVICE,
    writeEvents,
    afterCommit: () => app.outbox.nudge(),
  });
  const catalog = createPolicyCatalog(db, { ttlMs: opts.config.POLICY_CACHE_MS, log: app.log });
  const enrolments = createEnrolmentsService({ db, change, catalog });

  await app.register(apiKeyRoutes, {
    keys: createApiKeysService({ db, change, forgetKeys: () => app.forgetApiKeys() }),
  });
  await app.register(regionRoutes, { regions: createRegionsService({ db, change }) });
  await app.register(targetRoutes, { targets: createTargetsService({ db, change }) });
  await app.register(personRoutes, { persons: createPersonsService({ db, change }) });
  await app.register(householdRoutes, { households: createHouseholdsService({ db, change }) });
  await app.register(auditLogRoutes, { auditLog: createAuditLogService({ db }) });
  await app.register(policyRoutes, { policies: createPoliciesService({ change, catalog }) });
  await app.register(quoteRoutes, { catalog });
  await app.register(estimateRoutes, { catalog });
  await app.register(enrolmentRoutes, { enrolments });
  await app.register(enrolmentPaymentRoutes, { enrolments });
  await app.register(eventRoutes, { events: createEventsService({ change }) });
  const importer = createRegistrationImporter(opts.db, catalog, app.log, {
    sessions: opts.config.IMPORT_SESSIONS,
    statementTimeoutMs: opts.config.IMPORT_STATEMENT_TIMEOUT_MS,
    xlsx: importXlsxLimits(opts.config),
  });
  await app.register(registrationImportRoutes, {
    importer,
    imports: createImportsService(db, importer),
    maxBytes: opts.config.IMPORT_MAX_BYTES,
    // An import commits its change on a session of its own pool, so the app's `change` never nudges for it.
    onFinished: () => app.outbox.nudge(),
  });
  app.addHook('onClose', () => importer.drain());
  attachOutbox(app, outboxDelivery(opts.db, opts.config));
}
