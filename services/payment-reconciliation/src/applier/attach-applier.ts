import type { FastifyInstance } from 'fastify';
import type { PaymentConfig } from '../config.js';
import type { PaymentDb } from '../db.js';

/** The worker that takes recorded payments and reversals to enrollment (to come). */
export function attachApplier(
  _app: FastifyInstance,
  _opts: { db: PaymentDb; config: PaymentConfig },
): { nudge: () => void } {
  return { nudge: () => {} };
}
