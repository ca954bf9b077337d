import {
  PaymentIdempotencyHeadersSchema,
  PaymentListQuerySchema,
  PaymentPageSchema,
  PaymentParamsSchema,
  PaymentSchema,
  ProblemSchema,
  RecordedPaymentSchema,
  RecordPaymentBodySchema,
  ReversePaymentRequestSchema,
} from '@rmi/contracts';
import { actorOf, requireRole, ValidationError } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createPaymentsService } from '../../payments/payments.service.js';
import type { PaymentRoutesOptions } from '../routes-options.js';

// Collectors in their village, operators in their region; `service` for county systems posting
// payments, admin everywhere (requireRole adds it).
const WRITERS = ['county-operator', 'township-operator', 'collector', 'service'] as const;
const SCOPE =
  'A collector sees and writes the payments of its village, an operator those of the villages in its region ' +
  '(403 OUT_OF_SCOPE otherwise); service and admin keys every payment.';

/** Header Idempotency-Key, checked by the contract's schema; the kit reads no headers as input otherwise. */
function idempotencyKeyOf(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  const parsed = PaymentIdempotencyHeadersSchema.safeParse({ 'idempotency-key': Array.isArray(raw) ? raw[0] : raw });
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({
        path: 'headers.idempotency-key',
        message: issue.message,
        code: issue.code,
      })),
    );
  }
  return parsed.data['idempotency-key'] ?? null;
}

/** contracts/payments.md "Recording a payment": record, read, list, retry and reverse payments. */
export default async function paymentRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const payments = createPaymentsService(opts.db, opts.change);

  r.post(
    '/v1/payments',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['payments'],
        summary: 'Record a payment; it is applied to its enrolment through the queue to enrollment',
        description:
          'Money that arrived is never refused for an enrolment problem: the payment is recorded (201, ' +
          '`recorded`) and applied to its enrolment by the applier; one enrollment refuses is `parked` with ' +
          'enrollment’s code. Idempotent: the same `Idempotency-Key` from the same key, or the same (channel, ' +
          'voucherNumber) with the same content, answers the first payment (200); the same voucher with other ' +
          'content is 409 VOUCHER_REUSED naming the payment (`paymentId`). A channel not in GET /v1/channels ' +
          'is 422 UNKNOWN_CHANNEL. A collector’s payment is in its own village (`villageCode` defaults to it ' +
          'and must be it); an operator’s village is the one given or the person’s enrolment village that year, ' +
          `and must be in the operator’s region. ${SCOPE}`,
        body: RecordPaymentBodySchema,
        response: {
          200: RecordedPaymentSchema,
          201: RecordedPaymentSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const key = idempotencyKeyOf(request);
      const { created, answer } = await payments.record(actorOf(request), request.body, key);
      return reply.code(created ? 201 : 200).send(answer);
    },
  );

  r.get(
    '/v1/payments',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['payments'],
        summary: 'Payments in arrival order, a page at a time, filtered by region, year, status, channel or person',
        description:
          '`regionCode` keeps the payments of the villages under it (default: the key’s region). ' +
          '`status=parked` lists the payments enrollment refused, each with its problem. Pass `next` as ' +
          `\`after\` for the following page. ${SCOPE}`,
        querystring: PaymentListQuerySchema,
        response: { 200: PaymentPageSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => payments.list(actorOf(request), request.query),
  );

  r.get(
    '/v1/payments/:id',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['payments'],
        summary: 'One payment: its status in the queue to enrollment, its problem, its reversal',
        description: `404 PAYMENT_NOT_FOUND for an unknown id. ${SCOPE}`,
        params: PaymentParamsSchema,
        response: { 200: PaymentSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => payments.get(actorOf(request), request.params.id),
  );

  r.post(
    '/v1/payments/:id/retry',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['payments'],
        summary: 'Send a parked payment to enrollment again, once its facts are fixed',
        description:
          'The payment is `recorded` again, its problem cleared and its attempts kept, and goes to enrollment ' +
          'at once. A payment that is not parked is 409 NOT_PARKED; a reversed one 409 PAYMENT_REVERSED. ' +
          `Answers the payment. ${SCOPE}`,
        params: PaymentParamsSchema,
        response: { 200: PaymentSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => payments.retry(actorOf(request), request.params.id),
  );

  r.post(
    '/v1/payments/:id/reversal',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['payments'],
        summary: 'Reverse a payment (冲正): its money no longer counts, and its enrolment is unpaid again',
        description:
          'Records the reversal, linked to the payment, and announces it (`payment.reversed`). Enrollment is ' +
          'told by the applier and unpays the enrolment (`reversal.toldEnrollment`); a payment not yet applied ' +
          'is never applied. 201 with the payment as it now reads; a second reversal is 409 ALREADY_REVERSED. ' +
          `\`reversedAt\` before the payment was made is 400. ${SCOPE}`,
        params: PaymentParamsSchema,
        body: ReversePaymentRequestSchema,
        response: {
          201: PaymentSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await payments.reverse(actorOf(request), request.params.id, request.body)),
  );
}
