import type { FastifyInstance } from 'fastify';
import type { PaymentRoutesOptions } from '../routes-options.js';

// Routes of contracts/payments.md, to come.
export default async function routes(_app: FastifyInstance, _opts: PaymentRoutesOptions): Promise<void> {}
