import {
  CashAlertsAnswerSchema,
  CashAlertsQuerySchema,
  CashDepositAnswerSchema,
  CashDepositBodySchema,
  CashReceiptAnswerSchema,
  CashReceiptBodySchema,
  ProblemSchema,
} from '@rmi/contracts';
import { actorOf, principalOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CASH_ALERT_READERS, createCashService } from '../../cash/cash.service.js';
import type { Collector } from '../../cash/collector.js';
import type { PaymentRoutesOptions } from '../routes-options.js';

/** The key as the ledger names its holder: the name `/v1/me` shows. */
function collectorOf(request: FastifyRequest): Collector {
  const principal = principalOf(request);
  return { keyId: principal.keyId, name: principal.name };
}

/** The cash ledger and the double limit (contracts/payments.md "Cash and the double limit"). */
export default async function cashRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cash = createCashService({ db: opts.db, change: opts.change, catalog: opts.catalog });

  r.post(
    '/v1/cash-receipts',
    {
      onRequest: requireRole('collector'),
      schema: {
        tags: ['cash'],
        summary: 'Record a cash receipt: a line of the collector’s ledger and a payment on channel cash',
        description:
          'Both the payer (or agent) and the collector sign the receipt (000 附件3 item 4): a receipt not signed by ' +
          'both is 422 SIGNATURE_MISSING listing each unsigned field. The receipt and its payment (channel cash, ' +
          'voucher = receipt number, paid at receivedAt) are recorded together and answered with the payment’s ' +
          'status; the payment is then applied to its enrolment like any other. A collector records in its own ' +
          'village (another is 403 OUT_OF_SCOPE); admin names `villageCode`. The same receipt number with the same ' +
          'content answers the first result (200); other content is 409 RECEIPT_REUSED.',
        body: CashReceiptBodySchema,
        response: {
          200: CashReceiptAnswerSchema,
          201: CashReceiptAnswerSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { created, answer } = await cash.receive(actorOf(request), collectorOf(request), request.body);
      return reply.code(created ? 201 : 200).send(answer);
    },
  );

  r.post(
    '/v1/cash-deposits',
    {
      onRequest: requireRole('collector'),
      schema: {
        tags: ['cash'],
        summary: 'Record a bank deposit of cash receipts',
        description:
          'The receipts must exist (404 RECEIPT_NOT_FOUND), be the collector’s own (403 OUT_OF_SCOPE), be received ' +
          'before the deposit (422 DEPOSIT_BEFORE_RECEIPT) and sum to `amountFen` (422 DEPOSIT_MISMATCH with ' +
          '`expectedFen`); a receipt banked already is 409 RECEIPT_ALREADY_DEPOSITED naming each. Of two deposits ' +
          'racing for a receipt exactly one takes it. The same bank slip with the same content answers the first ' +
          'deposit (200); other content is 409 BANK_SLIP_REUSED. Admin may bank any one collector’s receipts.',
        body: CashDepositBodySchema,
        response: {
          200: CashDepositAnswerSchema,
          201: CashDepositAnswerSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { created, answer } = await cash.deposit(actorOf(request), collectorOf(request), request.body);
      return reply.code(created ? 201 : 200).send(answer);
    },
  );

  r.get(
    '/v1/cash-alerts',
    {
      onRequest: requireRole(...CASH_ALERT_READERS),
      schema: {
        tags: ['cash'],
        summary: 'Cash held per collector at the end of a day, and the double limit (双限) it breaks',
        description:
          'Each collector holding cash at the end of `on` (default today, Asia/Shanghai) in villages under ' +
          '`regionCode` (default the key’s region): the cash held, its oldest receipt, and the alerts: ' +
          '`same-day-limit` when the cash on hand on a day reached the policy’s amount and was not all banked that ' +
          'day, `late-deposit` for receipts held longer than the policy’s number of days (000 附件3 item 5: ' +
          '10,000 yuan, 5 days in Chongqing 2024). The limits are those of the policy in force for the collector’s ' +
          'villages and the receipts’ insurance year, listed in `limits`; a year whose policy states none is listed ' +
          'with nulls and not judged. A collector sees only its own cash; operators and dashboards their region.',
        querystring: CashAlertsQuerySchema,
        response: { 200: CashAlertsAnswerSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => cash.alerts(actorOf(request), request.query),
  );
}
