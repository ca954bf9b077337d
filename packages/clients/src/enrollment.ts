import {
  type ApiKey,
  ApiKeySchema,
  AppliedPaymentSchema,
  type ApplyPaymentBodySchema,
  type ComputeTargetsBodySchema,
  type CreateApiKeyBody,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type CreatePersonBodySchema,
  type Enrolment,
  EnrolmentSchema,
  type PaymentBatchAnswer,
  PaymentBatchAnswerSchema,
  type PaymentBatchItemSchema,
  type PaymentReversal,
  PaymentReversalSchema,
  type Person,
  PersonSchema,
  type Quote,
  type QuoteRequestSchema,
  QuoteSchema,
  type Region,
  RegionSchema,
  RegionWithChildrenSchema,
  type RegisterEnrolmentBodySchema,
  type ReversePaymentBody,
  type SetTargetsBodySchema,
  type TargetsList,
  TargetsListSchema,
  type TargetsWritten,
  TargetsWrittenSchema,
} from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient } from './http-client.js';

export type RegionWithChildren = z.infer<typeof RegionWithChildrenSchema>;
/** What the caller sends: `category` may be left out (it defaults to `resident`). */
export type CreatePersonInput = z.input<typeof CreatePersonBodySchema>;
export type QuoteInput = z.input<typeof QuoteRequestSchema>;
export type RegisterEnrolmentInput = z.input<typeof RegisterEnrolmentBodySchema>;
export type ApplyPaymentInput = z.input<typeof ApplyPaymentBodySchema>;
export type AppliedPaymentResult = z.infer<typeof AppliedPaymentSchema>;
/** One payment of a batch: its id and the fields of `applyEnrolmentPayment`'s body. */
export type PaymentBatchItemInput = z.input<typeof PaymentBatchItemSchema>;
export type SetTargetsInput = z.input<typeof SetTargetsBodySchema>;
export type ComputeTargetsInput = z.input<typeof ComputeTargetsBodySchema>;

export function createEnrollmentClient(options: ClientOptions) {
  const http = createHttpClient(options);
  return {
    ...operations(http),

    /** Needs an admin key. The secret `key` is in this answer only. */
    createApiKey: (body: CreateApiKeyBody, call?: CallOptions): Promise<CreatedApiKey> =>
      http.request({ method: 'POST', path: '/v1/api-keys', body, schema: CreatedApiKeySchema, ...callOptions(call) }),

    listApiKeys: (call?: CallOptions): Promise<ApiKey[]> =>
      http.request({ method: 'GET', path: '/v1/api-keys', schema: z.array(ApiKeySchema), ...callOptions(call) }),

    /** Revoking twice is fine; an unknown id throws API_KEY_NOT_FOUND. */
    revokeApiKey: async (id: string, call?: CallOptions): Promise<void> => {
      await http.request({
        method: 'DELETE',
        path: `/v1/api-keys/${encodeURIComponent(id)}`,
        route: '/v1/api-keys/:id',
        schema: z.undefined(),
        ...callOptions(call),
      });
    },

    /** The provinces. */
    listRegions: (call?: CallOptions): Promise<Region[]> =>
      http.request({ method: 'GET', path: '/v1/regions', schema: z.array(RegionSchema), ...callOptions(call) }),

    getRegion: (code: string, call?: CallOptions): Promise<RegionWithChildren> =>
      http.request({
        method: 'GET',
        path: `/v1/regions/${encodeURIComponent(code)}`,
        route: '/v1/regions/:code',
        schema: RegionWithChildrenSchema,
        ...callOptions(call),
      }),

    createPerson: (body: CreatePersonInput, call?: CallOptions): Promise<Person> =>
      http.request({ method: 'POST', path: '/v1/persons', body, schema: PersonSchema, ...callOptions(call) }),

    getPerson: (idNumber: string, call?: CallOptions): Promise<Person> =>
      http.request({
        method: 'GET',
        path: `/v1/persons/${encodeURIComponent(idNumber)}`,
        route: '/v1/persons/:idNumber',
        schema: PersonSchema,
        ...callOptions(call),
      }),

    /** contracts/quote.md; needs no key. */
    quote: (body: QuoteInput, call?: CallOptions): Promise<Quote> =>
      http.request({ method: 'POST', path: '/v1/quotes', body, schema: QuoteSchema, ...callOptions(call) }),

    registerEnrolment: (body: RegisterEnrolmentInput, call?: CallOptions): Promise<Enrolment> =>
      http.request({ method: 'POST', path: '/v1/enrolments', body, schema: EnrolmentSchema, ...callOptions(call) }),

    getEnrolment: (idNumber: string, year: number, call?: CallOptions): Promise<Enrolment> =>
      http.request({
        method: 'GET',
        path: `/v1/enrolments/${encodeURIComponent(idNumber)}/${year}`,
        route: '/v1/enrolments/:idNumber/:year',
        schema: EnrolmentSchema,
        ...callOptions(call),
      }),

    /**
     * Needs a service key. A PUT, so a lost answer is retried safely: the same payment applied
     * again changes nothing (`applied: false`). PERSON_NOT_FOUND means: park the payment.
     */
    applyEnrolmentPayment: (
      paymentId: string,
      body: ApplyPaymentInput,
      call?: CallOptions,
    ): Promise<AppliedPaymentResult> =>
      http.request({
        method: 'PUT',
        path: `/v1/enrolment-payments/${encodeURIComponent(paymentId)}`,
        route: '/v1/enrolment-payments/:paymentId',
        body,
        schema: AppliedPaymentSchema,
        ...callOptions(call),
      }),

    /**
     * Needs a service key. Up to 500 payments, each applied on its own and answered in the order
     * sent: `applied`, `already-applied` or `refused` with the code `applyEnrolmentPayment` would
     * throw (a refused item wrote nothing: park it). A POST, so it is not retried here; a batch that
     * throws (503 DATABASE_BUSY, a 500, a lost connection) is safe to send again whole, as its
     * payments already applied then answer `already-applied`. A large batch takes seconds: give
     * the client a `timeout` that allows for it.
     */
    applyEnrolmentPayments: (items: PaymentBatchItemInput[], call?: CallOptions): Promise<PaymentBatchAnswer> =>
      http.request({
        method: 'POST',
        path: '/v1/enrolment-payments/batch',
        body: { items },
        schema: PaymentBatchAnswerSchema,
        ...callOptions(call),
      }),

    /**
     * Needs a service key. Reverses a payment (冲正): its enrolment is unpaid again. The same
     * reversal again answers `reversed: false`; PAYMENT_NOT_FOUND means it was never applied,
     * PAID_BY_ANOTHER_PAYMENT and INVALID_TRANSITION that the enrolment has moved on (park it).
     */
    reverseEnrolmentPayment: (
      paymentId: string,
      body: ReversePaymentBody,
      call?: CallOptions,
    ): Promise<PaymentReversal> =>
      http.request({
        method: 'POST',
        path: `/v1/enrolment-payments/${encodeURIComponent(paymentId)}/reversal`,
        route: '/v1/enrolment-payments/:paymentId/reversal',
        body,
        schema: PaymentReversalSchema,
        ...callOptions(call),
      }),

    /** 任务数 for villages; one bad row and none is written (TARGETS_INVALID lists them all). */
    setTargets: (body: SetTargetsInput, call?: CallOptions): Promise<TargetsWritten> =>
      http.request({ method: 'PUT', path: '/v1/targets', body, schema: TargetsWrittenSchema, ...callOptions(call) }),

    /** Targets from the register's own history: hukou population, or enrolled on a date. */
    computeTargets: (body: ComputeTargetsInput, call?: CallOptions): Promise<TargetsWritten> =>
      http.request({
        method: 'POST',
        path: '/v1/targets/compute',
        body,
        schema: TargetsWrittenSchema,
        ...callOptions(call),
      }),

    listTargets: (query: { year: number; regionCode?: string }, call?: CallOptions): Promise<TargetsList> =>
      http.request({
        method: 'GET',
        path: `/v1/targets?${new URLSearchParams({ year: String(query.year), ...(query.regionCode ? { regionCode: query.regionCode } : {}) })}`,
        route: '/v1/targets',
        schema: TargetsListSchema,
        ...callOptions(call),
      }),

    close: () => http.close(),
  };
}

export type EnrollmentClient = ReturnType<typeof createEnrollmentClient>;
