import {
  AppliedPaymentSchema,
  ApplyPaymentBodySchema,
  type FieldError,
  PaymentBatchAnswerSchema,
  PaymentBatchBodySchema,
  PaymentBatchItemSchema,
  PaymentIdSchema,
  PaymentReversalSchema,
  ProblemSchema,
  ReversePaymentBodySchema,
} from '@rmi/contracts';
import { actorOf, requireOnlyRoles } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PaymentBatchEntry } from '../../enrolments/apply-payment-batch.js';
import type { EnrolmentsService } from '../../enrolments/enrolments.service.js';

/** Called by payment-reconciliation for each matched payment, in batches, and for reversals; safe to repeat. */
export default async function enrolmentPaymentRoutes(
  app: FastifyInstance,
  opts: { enrolments: EnrolmentsService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.put(
    '/v1/enrolment-payments/:paymentId',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['enrolments'],
        summary: 'Apply a payment to an enrolment (idempotent by payment id)',
        description:
          'Marks the enrolment paid and fixes tier, assistance identity, amounts and the benefit period ' +
          '(003#五). The identities are those certified for the payment day (identity.v_identity_spells) ' +
          'with any the body names; `reasons` say which were certified and which only named. An identity ' +
          'certified later changes nothing. The same payment applied again changes nothing (200, applied false). A person who is ' +
          'not registered is 404 PERSON_NOT_FOUND, and a payment dated after the day the person died is 409 ' +
          'PERSON_DECEASED, for the caller to park the payment; a second payment for a paid enrolment is 409 ' +
          'ALREADY_PAID; a reversed payment is 409 PAYMENT_REVERSED; an amount other than the personal part is ' +
          '422 AMOUNT_MISMATCH with `expectedFen`, the amounts, the identities and the reasons that make it.',
        params: z.object({ paymentId: PaymentIdSchema }),
        body: ApplyPaymentBodySchema,
        response: {
          200: AppliedPaymentSchema,
          201: AppliedPaymentSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await opts.enrolments.applyPayment(actorOf(request), request.params.paymentId, request.body);
      return reply.code(result.applied ? 201 : 200).send(result);
    },
  );

  routes.post(
    '/v1/enrolment-payments/batch',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['enrolments'],
        summary: 'Apply up to 500 payments, each answered on its own',
        description:
          'Each item is applied as PUT /v1/enrolment-payments/{paymentId} applies it, in its own transaction, ' +
          'in the order sent, and answered in that order: `applied`, `already-applied` (nothing changed), or ' +
          '`refused` with the code PUT would answer (AMOUNT_MISMATCH with its amounts in `details`, ' +
          'PERSON_NOT_FOUND, ALREADY_PAID, PERSON_DECEASED, PAYMENT_REVERSED …; VALIDATION_FAILED with the ' +
          'bad fields of an item). A refused item writes nothing. Only a malformed envelope is 400. When the ' +
          'database is busy or something unexpected fails, the batch is answered 503/500: send it again ' +
          'whole; the items applied before are then `already-applied`.',
        body: PaymentBatchBodySchema,
        response: {
          200: PaymentBatchAnswerSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          500: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request) => {
      const entries = request.body.items.map(readItem);
      return { results: await opts.enrolments.applyPayments(actorOf(request), entries) };
    },
  );

  routes.post(
    '/v1/enrolment-payments/:paymentId/reversal',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['enrolments'],
        summary: 'Reverse a payment (冲正): its enrolment is unpaid again',
        description:
          'The enrolment the payment paid goes back to `registered`, its amounts, identities and benefit ' +
          'period cleared (a new payment fixes them anew); audited with what was cleared, and announced as ' +
          '`enrolment.unpaid`. The same reversal again changes nothing (200, reversed false). A payment ' +
          'never applied is 404 PAYMENT_NOT_FOUND; an enrolment since paid by another payment is 409 ' +
          'PAID_BY_ANOTHER_PAYMENT, one transferred or cancelled 409 INVALID_TRANSITION. A reversed ' +
          'payment id cannot be applied again (PAYMENT_REVERSED).',
        params: z.object({ paymentId: PaymentIdSchema }),
        body: ReversePaymentBodySchema,
        response: {
          200: PaymentReversalSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => opts.enrolments.reversePayment(actorOf(request), request.params.paymentId, request.body),
  );
}

/** An item checked on its own: a bad one is refused with its fields, the rest of the batch goes on. */
function readItem(item: unknown, index: number): PaymentBatchEntry {
  const parsed = PaymentBatchItemSchema.safeParse(item);
  if (parsed.success) {
    const { paymentId, ...body } = parsed.data;
    return { paymentId, body };
  }
  const sent = (item as { paymentId?: unknown } | null)?.paymentId;
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    path: ['body', 'items', index, ...issue.path].join('.'),
    message: issue.message,
    code: issue.code,
  }));
  // Echoed so the caller can match the answer; an id too long to be one is not.
  return { paymentId: typeof sent === 'string' && sent.length <= 200 ? sent : null, errors };
}
