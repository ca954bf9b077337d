import { PaymentChannelSchema } from '@rmi/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PaymentDb } from '../../db.js';
import { createChannelsRepository } from '../../repositories/channels.repository.js';

export default async function channelRoutes(app: FastifyInstance, opts: { db: PaymentDb }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const channels = createChannelsRepository(opts.db);
  r.get(
    '/v1/channels',
    {
      schema: {
        tags: ['channels'],
        summary: 'Payment channels payments may arrive through, with the notice that names each',
        response: { 200: z.array(PaymentChannelSchema) },
      },
    },
    async () => channels.list(),
  );
}
