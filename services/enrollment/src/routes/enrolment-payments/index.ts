import { AppliedPaymentSchema, ApplyPaymentBodySchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireOnlyRoles } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnrolmentsService } from '../../enrolments/enrolments.service.js';

/** Called by payment-reconciliation for each matched payment; safe to repeat. */
export default async function enrolmentPaymentRoutes(
  app: FastifyInstance,
  opts: { enrolments: EnrolmentsService },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().put(
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
          'ALREADY_PAID; an amount other than the personal part is 422 AMOUNT_MISMATCH with `expectedFen`, the ' +
          'amounts, the identities and the reasons that make it.',
        params: z.object({
          paymentId: z
            .string()
            .min(1)
            .max(100)
            .regex(/^[\w.:-]+$/, 'letters, digits, . : _ -'),
        }),
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
}
