import { attachOutbox } from '@rmi/outbox';
import { type AppOptions, createChangeRunner, createPolicyCatalog, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { attachApplier } from './applier/attach-applier.js';
import type { PaymentConfig } from './config.js';
import { paymentDb } from './db.js';
import { outboxDelivery, writeEvents } from './events/outbox.js';
import assistanceTotalRoutes from './routes/assistance-totals/index.js';
import cashRoutes from './routes/cash/index.js';
import channelSummaryRoutes from './routes/channel-summaries/index.js';
import channels from './routes/channels/index.js';
import paymentImportRoutes from './routes/payment-imports/index.js';
import paymentRoutes from './routes/payments/index.js';
import reconciliationRoutes from './routes/reconciliations/index.js';
import type { PaymentRoutesOptions } from './routes/routes-options.js';

export { type PaymentConfig, PaymentConfigSchema } from './config.js';

export const SERVICE = 'payment-reconciliation';

/** Payments from county systems, tax exports and cash; matching against enrolments; the cash double limit. */
export default async function paymentApp(app: FastifyInstance, opts: AppOptions<PaymentConfig>): Promise<void> {
  await app.register(serviceKit, {
    service: SERVICE,
    description:
      'Payments, tax POS and collection-client imports, reconciliation against enrolments, and the cash ledger (双限).',
    db: opts.db,
    config: opts.config,
  });
  const db = paymentDb(opts.db);
  const applier = attachApplier(app, { db, config: opts.config });
  const change = createChangeRunner(db, {
    service: SERVICE,
    writeEvents,
    afterCommit: () => {
      app.outbox.nudge();
      applier.nudge();
    },
  });
  const catalog = createPolicyCatalog(db, { ttlMs: opts.config.POLICY_CACHE_MS, log: app.log });
  const shared: PaymentRoutesOptions = {
    pool: opts.db,
    db,
    change,
    catalog,
    config: opts.config,
    nudgeApplier: applier.nudge,
  };

  await app.register(channels, { db });
  await app.register(paymentRoutes, shared);
  await app.register(paymentImportRoutes, shared);
  await app.register(reconciliationRoutes, shared);
  await app.register(cashRoutes, shared);
  await app.register(channelSummaryRoutes, shared);
  await app.register(assistanceTotalRoutes, shared);
  attachOutbox(app, outboxDelivery(opts.db, opts.config));
}
