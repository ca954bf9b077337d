import { createEnrollmentClient } from '@rmi/clients';
import type { PaymentConfig } from '../config.js';
import type { PaymentDb } from '../db.js';
import { type ApplierLog, createApplier } from './applier-worker.js';

/**
 * The app as the applier needs it: its log and its lifecycle hooks. Structural, so this domain
 * code does not import fastify (the boundaries rule); a fastify instance fits.
 */
export interface ApplierHost {
  log: ApplierLog & { child(bindings: Record<string, unknown>): ApplierLog };
  addHook(name: 'onReady', hook: () => Promise<void>): unknown;
  addHook(name: 'onClose', hook: () => Promise<void>): unknown;
}

/**
 * The applier of a replica: starts once the app is ready and stops with it, after the batch in
 * flight has been answered and written. Without a service key it does nothing: payments wait as
 * `recorded` for a replica that has one.
 */
export function attachApplier(app: ApplierHost, opts: { db: PaymentDb; config: PaymentConfig }): { nudge: () => void } {
  const { config } = opts;
  if (!config.SERVICE_API_KEY) {
    app.log.warn({}, 'SERVICE_API_KEY is not set: payments are recorded but not applied to enrolments');
    return { nudge: () => {} };
  }
  const enrollment = createEnrollmentClient({
    baseUrl: config.ENROLLMENT_URL,
    apiKey: config.SERVICE_API_KEY,
    timeout: config.APPLY_TIMEOUT_MS,
    // The applier retries by itself, with backoff, through the queue.
    retries: 0,
  });
  const applier = createApplier({
    db: opts.db,
    enrollment,
    log: app.log.child({ component: 'applier' }),
    batchSize: config.APPLY_BATCH_SIZE,
    pollMs: config.APPLY_POLL_MS,
    retryMs: config.APPLY_RETRY_MS,
    timeoutMs: config.APPLY_TIMEOUT_MS,
  });
  app.addHook('onReady', async () => applier.start());
  app.addHook('onClose', async () => {
    await applier.stop();
    await enrollment.close();
  });
  return { nudge: applier.nudge };
}
