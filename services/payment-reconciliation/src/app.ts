import { type AppOptions, serviceKit } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { PaymentConfig } from './config.js';
import { paymentDb } from './db.js';
import channels from './routes/channels/index.js';

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
  await app.register(channels, { db: paymentDb(opts.db) });
}
