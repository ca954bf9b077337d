import { ChannelSummaryQuerySchema, ChannelSummarySchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createChannelSummariesService, SUMMARY_READERS } from '../../channel-summaries/channel-summaries.service.js';
import type { PaymentRoutesOptions } from '../routes-options.js';

/** Payments and reversals per day, channel and village (contracts/payments.md "Channel summary"). */
export default async function channelSummaryRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const summaries = createChannelSummariesService({ db: opts.db, log: app.log });

  r.get(
    '/v1/channel-summaries',
    {
      onRequest: requireRole(...SUMMARY_READERS),
      schema: {
        tags: ['channel summaries'],
        summary: 'Payments and reversals per day, channel and village, for the cross-check against bank statements',
        description:
          'Payments count on the day they were paid (Asia/Shanghai), reversals on the day they were reversed, ' +
          'each under its payment’s channel and village; a sum is what the voucher carried (the personal part and ' +
          'any part paid on the person’s behalf, 代缴). `from` to `to` (both included) span at most 366 days. ' +
          'format=json (the schema below), csv (UTF-8 with BOM) or xlsx, with Chinese headers: 日期, 渠道代码, 渠道, ' +
          '村(社区)代码, 缴费笔数, 缴费金额(元), 冲正笔数, 冲正金额(元). Villages under `regionCode` (default the key’s ' +
          'region); operators and dashboards read their region, admin any.',
        querystring: ChannelSummaryQuerySchema,
        response: { 200: ChannelSummarySchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const answer = await summaries.summary(actorOf(request), request.query);
      if (answer.kind === 'json') return { rows: answer.rows };
      return sendDownload(reply, answer.download);
    },
  );
}
