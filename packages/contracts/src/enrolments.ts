import { z } from 'zod';
import { CivilDateSchema, IdNumberSchema } from './persons.js';
import { FieldErrorSchema } from './problem.js';
import { QuoteCategorySchema, ReasonSchema, StudentStatusSchema } from './quotes.js';

const VillageCodeSchema = z.string().regex(/^\d{12}$/, 'a 12-digit village code');
const YearSchema = z.number().int().min(2000).max(2100);
const TierSchema = z.union([z.literal(1), z.literal(2)]);

export const ENROLMENT_STATUSES = ['registered', 'waiting', 'covered', 'ended', 'cancelled', 'transferred'] as const;

export const RegisterEnrolmentBodySchema = z.object({
  idNumber: IdNumberSchema,
  year: YearSchema.describe('insurance year'),
  regionCode: VillageCodeSchema.optional().describe(
    "the village that enrols the person; default: the person's hukou village",
  ),
  tier: TierSchema.default(1).describe('contribution tier (档次); fixed when the payment is applied'),
  category: QuoteCategorySchema.optional().describe("quote category; default from the person's category"),
  studentStatus: StudentStatusSchema.optional(),
});

export const NewbornCoverBodySchema = z.object({
  idNumber: IdNumberSchema.describe('the newborn, registered as a person'),
  guardianIdNumber: IdNumberSchema.describe('a guardian whose enrolment for the year is paid'),
  year: YearSchema,
});

export const EnrolmentSchema = z.object({
  idNumber: z.string(),
  year: z.number().int(),
  regionCode: z.string(),
  category: QuoteCategorySchema,
  tier: TierSchema,
  status: z
    .enum(ENROLMENT_STATUSES)
    .describe('registered; waiting or covered or ended once paid, by the day; cancelled; transferred'),
  basis: z.enum(['independent', 'guardian']),
  guardianIdNumber: z.string().nullable(),
  policyId: z.string().nullable(),
  identities: z.array(z.string()),
  assistanceIdentity: z.string().nullable(),
  standardFen: z.number().int().nullable(),
  fiscalSubsidyFen: z.number().int().nullable(),
  assistanceFen: z.number().int().nullable(),
  waiverFen: z.number().int().nullable(),
  personalFen: z.number().int().nullable(),
  paidFen: z.number().int().nullable(),
  paidOn: z.string().nullable(),
  paymentId: z.string().nullable(),
  benefitStart: z.string().nullable(),
  benefitEnd: z.string().nullable(),
  waitingDays: z.number().int().nullable(),
  reasons: z.array(ReasonSchema),
  cancelReason: z.enum(['death', 'moved', 'duplicate']).nullable(),
  cancelledOn: z.string().nullable(),
  employeeCoverFrom: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const EnrolmentListQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100),
  regionCode: z.string().regex(/^\d{6,12}$/, 'a county, township or village code'),
  status: z.enum(ENROLMENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z
    .string()
    .regex(/^\d{17}[\dX]$/, 'the last idNumber of the previous page')
    .optional(),
});

export const EnrolmentPageSchema = z.object({
  items: z.array(EnrolmentSchema),
  next: z.string().nullable().describe('pass as `after` for the next page; null on the last page'),
});

export const CancelEnrolmentBodySchema = z.object({
  reason: z.enum(['death', 'moved', 'duplicate']),
  on: CivilDateSchema.describe('the day the reason took effect'),
});

export const TransferEnrolmentBodySchema = z.object({
  employeeCoverFrom: CivilDateSchema.describe(
    'first day of employee-insurance cover; resident cover runs until the day before (002#四(三))',
  ),
});

export const ApplyPaymentBodySchema = z.object({
  idNumber: IdNumberSchema,
  year: YearSchema,
  paidOn: CivilDateSchema.describe('the day the payment completed (Asia/Shanghai)'),
  amountFen: z.number().int().nonnegative(),
  tier: TierSchema.optional().describe('the tier paid for; default the registered tier'),
  regionCode: VillageCodeSchema.optional().describe(
    'for a person paying without a registration: the enrolling village',
  ),
  identities: z
    .array(z.string().min(1).max(100))
    .max(50)
    .default([])
    .describe('identities certified on the payment day (就高 applies); fixed with the amounts'),
  channel: z.string().max(50).optional(),
});

export const AppliedPaymentSchema = z.object({
  applied: z.boolean().describe('false when this payment had already been applied: nothing changed'),
  enrolment: EnrolmentSchema,
});

/** The key a payment is applied, answered and reversed by: payment-reconciliation's payment id. */
export const PaymentIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:-]+$/, 'letters, digits, . : _ -');

export const MAX_PAYMENT_BATCH_ITEMS = 500;

/** One payment of a batch: its id beside the fields of `PUT /v1/enrolment-payments/{paymentId}`. */
export const PaymentBatchItemSchema = ApplyPaymentBodySchema.extend({ paymentId: PaymentIdSchema });

/**
 * The batch as the route reads it: only the envelope is checked whole. Each item is checked on its
 * own (PaymentBatchItemSchema), so one bad item is answered as refused instead of failing the batch.
 */
export const PaymentBatchBodySchema = z.object({
  items: z
    .array(z.unknown())
    .min(1)
    .max(MAX_PAYMENT_BATCH_ITEMS)
    .describe(
      'payments to apply in order: each `{ paymentId, idNumber, year, paidOn, amountFen, tier?, regionCode?, ' +
        'identities?, channel? }`, the fields of PUT /v1/enrolment-payments/{paymentId}',
    ),
});

export const PaymentBatchResultSchema = z.object({
  paymentId: z.string().nullable().describe("the item's paymentId; null when it sent none"),
  status: z
    .enum(['applied', 'already-applied', 'refused'])
    .describe('already-applied: this payment id had been applied before, nothing changed'),
  code: z
    .string()
    .optional()
    .describe('why refused: the code PUT would answer (AMOUNT_MISMATCH, PERSON_NOT_FOUND, VALIDATION_FAILED …)'),
  detail: z.string().optional(),
  details: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('what PUT adds to its problem: for AMOUNT_MISMATCH `expectedFen`, the amounts and the reasons'),
  errors: z.array(FieldErrorSchema).optional().describe('the bad fields, as `body.items.<index>.<field>`'),
  enrolment: EnrolmentSchema.optional().describe('the enrolment as paid, unless refused'),
});

export const PaymentBatchAnswerSchema = z.object({
  results: z.array(PaymentBatchResultSchema).describe('one per item, in the order sent'),
});

export const ReversePaymentBodySchema = z.object({
  reversedOn: CivilDateSchema.describe('the day the payment was reversed (冲正), Asia/Shanghai'),
  reason: z.string().trim().min(1).max(500),
});

export const PaymentReversalSchema = z.object({
  reversed: z.boolean().describe('false when this payment had already been reversed: nothing changed'),
  enrolment: EnrolmentSchema,
});

export const ExternalCoveragesBodySchema = z.object({
  coverages: z
    .array(
      z.object({
        idNumber: IdNumberSchema,
        year: YearSchema,
        kind: z.enum(['employee', 'resident-elsewhere']),
        insurer: z.string().trim().min(1).max(200).describe('who insures: employer scheme, or the other region'),
        startsOn: CivilDateSchema.optional(),
      }),
    )
    .min(1)
    .max(10_000),
});

export type Enrolment = z.infer<typeof EnrolmentSchema>;
export type RegisterEnrolmentBody = z.infer<typeof RegisterEnrolmentBodySchema>;
export type ApplyPaymentBody = z.infer<typeof ApplyPaymentBodySchema>;
export type AppliedPayment = z.infer<typeof AppliedPaymentSchema>;
export type PaymentBatchItem = z.infer<typeof PaymentBatchItemSchema>;
export type PaymentBatchResult = z.infer<typeof PaymentBatchResultSchema>;
export type PaymentBatchAnswer = z.infer<typeof PaymentBatchAnswerSchema>;
export type ReversePaymentBody = z.infer<typeof ReversePaymentBodySchema>;
export type PaymentReversal = z.infer<typeof PaymentReversalSchema>;
export type EnrolmentListQuery = z.infer<typeof EnrolmentListQuerySchema>;
export type EnrolmentPage = z.infer<typeof EnrolmentPageSchema>;
export type ExternalCoveragesBody = z.infer<typeof ExternalCoveragesBodySchema>;
