import { RECONCILIATION_CLASSES } from '@rmi/rules';
import { z } from 'zod';
import { RegionCodeSchema } from './api-keys.js';
import { CivilDateSchema, IdNumberSchema, VillageCodeSchema } from './persons.js';

// payment-reconciliation (contracts/payments.md): payments, reversals, imports of exports,
// reconciliation runs, the cash ledger and channel summaries.

const YearSchema = z.number().int().min(2000).max(2100);
const QueryYearSchema = z.coerce.number().int().min(2000).max(2100);
const TierSchema = z.union([z.literal(1), z.literal(2)]);
// A person's contribution for a year is a few hundred yuan: a payment of more than a million yuan
// is a typing error, and a few such would add up (cash held, channel totals) past the integers a
// JSON number holds exactly.
const MAX_PAYMENT_FEN = 100_000_000;
const FenSchema = z.number().int().nonnegative().max(MAX_PAYMENT_FEN);
const InstantSchema = z.iso
  .datetime({ offset: true })
  // Its Asia/Shanghai day is stored and published as YYYY-MM-DD: years of four digits, and none
  // before resident insurance existed.
  .refine((s) => s >= '1900' && s < '9999', 'an instant from 1900 to 9998')
  .describe('an instant, ISO 8601 with offset (Z or +08:00)');
const FormatSchema = z.enum(['json', 'csv', 'xlsx']).default('json');
const PageLimitSchema = z.coerce.number().int().min(1).max(1000).default(100);

export const ChannelCodeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,49}$/, 'a channel code of GET /v1/channels')
  .describe('a code of GET /v1/channels');
export const VoucherNumberSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces')
  .describe('electronic tax voucher number 电子税票号码, or the channel’s order number');

export const PAYMENT_STATUSES = ['recorded', 'applied', 'parked'] as const;
export const PaymentStatusSchema = z
  .enum(PAYMENT_STATUSES)
  .describe(
    'recorded: waiting to be applied to its enrolment; applied: enrollment accepted it; parked: refused, see problem',
  );

export const PAYMENT_SOURCES = ['api', 'tax', 'channel', 'assistance-batch', 'cash'] as const;

// ---- Recording a payment ----------------------------------------------------------------------

export const RecordPaymentBodySchema = z.object({
  channel: ChannelCodeSchema,
  voucherNumber: VoucherNumberSchema,
  idNumber: IdNumberSchema,
  year: YearSchema.describe('insurance year paid for'),
  tier: TierSchema.optional().describe('the tier paid for; default the registered tier'),
  amountFen: FenSchema.describe('the personal part paid, fen'),
  assistanceFen: FenSchema.default(0).describe('the part paid on the person’s behalf (代缴), fen'),
  paidAt: InstantSchema.describe('when the payment completed; its Asia/Shanghai day is the payment day'),
  villageCode: VillageCodeSchema.optional().describe('for a person without a registration: the enrolling village'),
  payerName: z.string().trim().min(1).max(100).optional(),
});
export type RecordPaymentBody = z.infer<typeof RecordPaymentBodySchema>;
export type RecordPaymentInput = z.input<typeof RecordPaymentBodySchema>;

/** Header `Idempotency-Key`: the same key from the same caller answers the payment it first made. */
export const PaymentIdempotencyHeadersSchema = z.object({
  'idempotency-key': z.string().trim().min(1).max(200).optional(),
});

export const PaymentProblemSchema = z.object({
  code: z.string().describe('what enrollment answered: AMOUNT_MISMATCH, PERSON_NOT_FOUND, ALREADY_PAID, …'),
  detail: z.string().nullable(),
});

export const RecordedPaymentSchema = z.object({
  paymentId: z.string(),
  status: PaymentStatusSchema,
  problem: PaymentProblemSchema.optional(),
});
export type RecordedPayment = z.infer<typeof RecordedPaymentSchema>;

export const PaymentParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const PaymentReversalInfoSchema = z.object({
  reversedAt: z.string(),
  reversedOn: z.string(),
  reason: z.string(),
  voucherNumber: z.string().nullable(),
  toldEnrollment: z.boolean().describe('enrollment has unpaid the enrolment (or the payment had never been applied)'),
});

export const PaymentSchema = z.object({
  paymentId: z.string(),
  channel: z.string(),
  voucherNumber: z.string(),
  idNumber: z.string(),
  year: z.number().int(),
  tier: TierSchema.nullable(),
  amountFen: z.number().int(),
  assistanceFen: z.number().int(),
  paidAt: z.string(),
  paidOn: z.string(),
  villageCode: z.string().nullable(),
  payerName: z.string().nullable(),
  source: z.enum(PAYMENT_SOURCES),
  importId: z.string().nullable(),
  status: PaymentStatusSchema,
  problem: PaymentProblemSchema.nullable(),
  attempts: z.number().int(),
  appliedAt: z.string().nullable(),
  recordedAt: z.string(),
  reversal: PaymentReversalInfoSchema.nullable(),
});
export type Payment = z.infer<typeof PaymentSchema>;

export const PaymentListQuerySchema = z.object({
  regionCode: RegionCodeSchema.optional().describe('payments of villages under this region (default: the key’s)'),
  year: QueryYearSchema.optional(),
  status: PaymentStatusSchema.optional(),
  channel: ChannelCodeSchema.optional(),
  idNumber: IdNumberSchema.optional(),
  after: z.string().max(200).optional().describe('the `next` of the previous page'),
  limit: PageLimitSchema,
});
export type PaymentListQuery = z.infer<typeof PaymentListQuerySchema>;

export const PaymentPageSchema = z.object({
  items: z.array(PaymentSchema),
  next: z.string().nullable().describe('pass as `after` for the next page; null on the last'),
});
export type PaymentPage = z.infer<typeof PaymentPageSchema>;

export const ReversePaymentRequestSchema = z.object({
  reversedAt: InstantSchema,
  reason: z.string().trim().min(1).max(500),
  voucherNumber: VoucherNumberSchema.optional().describe('the reversal’s own voucher, when the channel gives one'),
});
export type ReversePaymentRequest = z.infer<typeof ReversePaymentRequestSchema>;

// ---- Imports ----------------------------------------------------------------------------------

export const PAYMENT_IMPORT_SOURCES = ['tax', 'channel', 'assistance-batch'] as const;

export const PaymentImportQuerySchema = z.object({
  source: z.enum(PAYMENT_IMPORT_SOURCES),
  year: QueryYearSchema.describe('insurance year the export is for'),
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('check and count; record nothing'),
  channel: ChannelCodeSchema.optional().describe(
    'source=channel: the channel the export is from (default: a 渠道 column)',
  ),
  fileName: z.string().max(255).optional(),
  onRowErrors: z
    .enum(['skip', 'reject'])
    .default('skip')
    .describe('skip: valid rows are recorded, bad rows reported; reject: nothing is recorded when any row is bad'),
});
export type PaymentImportQuery = z.infer<typeof PaymentImportQuerySchema>;

export const PaymentRowErrorSchema = z.object({
  line: z.number().int().describe('the file’s physical line (XLSX: the sheet’s row)'),
  column: z.string().describe('the column as headed in the file, or the field'),
  code: z
    .string()
    .describe(
      'INVALID_ID_NUMBER, ID_NUMBER_MANGLED, MISSING_FIELD, AMOUNT_INVALID, INVALID_DATE, VOUCHER_REUSED, ' +
        'REVERSAL_UNMATCHED, ALREADY_REVERSED, UNKNOWN_CHANNEL, OUT_OF_SCOPE, YEAR_MISMATCH, INVALID_VALUE',
    ),
  message: z.string(),
});
export type PaymentRowError = z.infer<typeof PaymentRowErrorSchema>;

export const PaymentImportCountsSchema = z.object({
  new: z.number().int().describe('payments recorded'),
  reversals: z.number().int().describe('reversal rows recorded'),
  unchanged: z.number().int().describe('rows already recorded with the same content'),
  duplicateRows: z.number().int().describe('rows repeating an earlier row of the same file'),
  parked: z.number().int().describe('new payments enrollment refused (known once applied; 0 in a dry run)'),
  errors: z.number().int().describe('rows with at least one error'),
});
export type PaymentImportCounts = z.infer<typeof PaymentImportCountsSchema>;

export const PAYMENT_IMPORT_STATUSES = ['computing', 'applied', 'dry-run', 'unchanged', 'rejected', 'failed'] as const;

export const PaymentImportAnswerSchema = z.object({
  importId: z.uuid(),
  source: z.enum(PAYMENT_IMPORT_SOURCES),
  year: z.number().int(),
  status: z.enum(PAYMENT_IMPORT_STATUSES),
  rows: z.number().int(),
  counts: PaymentImportCountsSchema,
  errors: z.array(PaymentRowErrorSchema).describe('the first 1000 row errors; errorsUrl has them all'),
  errorsUrl: z.string(),
  failure: z
    .string()
    .nullable()
    .describe(
      'why a failed or rejected import recorded nothing: IMPORT_INTERRUPTED (its service stopped mid-import), IMPORT_FAILED, or the refusal’s code',
    ),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type PaymentImportAnswer = z.infer<typeof PaymentImportAnswerSchema>;

export const PaymentImportParamsSchema = z.object({ id: z.uuid() });

export const AssistanceTotalsQuerySchema = z.object({
  regionCode: RegionCodeSchema,
  year: QueryYearSchema,
  idNumber: IdNumberSchema.optional(),
  after: z.string().max(40).optional(),
  limit: PageLimitSchema,
});
export const AssistanceTotalSchema = z.object({
  idNumber: z.string(),
  year: z.number().int(),
  assistanceFen: z.number().int().describe('代缴 across every batch, reversals taken off'),
  payments: z.number().int(),
  batches: z.array(z.string()).describe('请款批次 that paid for the person'),
});
export const AssistanceTotalsPageSchema = z.object({
  items: z.array(AssistanceTotalSchema),
  next: z.string().nullable(),
});

// ---- Reconciliation runs -------------------------------------------------------------------------

export const ReconciliationClassSchema = z.enum(RECONCILIATION_CLASSES);

export const CreateReconciliationBodySchema = z.object({
  regionCode: RegionCodeSchema,
  year: YearSchema,
  asOf: InstantSchema.optional().describe('arrival cut-off: payments and reversals recorded after it do not count'),
});
export type CreateReconciliationBody = z.infer<typeof CreateReconciliationBodySchema>;

export const ReconciliationTotalsSchema = z.object({
  expectedFen: z.number().int().describe('what enrolled people should have paid'),
  paidFen: z.number().int().describe('effective payments of the region'),
  owedFen: z.number().int().describe('事后资助 owed back (assistance-owed)'),
  unmatchedFen: z.number().int().describe('paid-not-enrolled money'),
});

export const ReconciliationRunSchema = z.object({
  runId: z.uuid(),
  regionCode: z.string(),
  year: z.number().int(),
  asOf: z.string(),
  counts: z.record(z.string(), z.number().int()).describe('person-years per class, every class listed'),
  totalsFen: ReconciliationTotalsSchema,
  createdAt: z.string(),
  notes: z
    .array(z.string())
    .default([])
    .describe('what the run could not decide from the policy in force (none, or one without an assistance table)'),
});
export type ReconciliationRun = z.infer<typeof ReconciliationRunSchema>;

export const ReconciliationRunParamsSchema = z.object({ runId: z.uuid() });
export const CompareRunsParamsSchema = z.object({ a: z.uuid(), b: z.uuid() });

export const ReconciliationItemsQuerySchema = z.object({
  class: ReconciliationClassSchema.optional(),
  format: FormatSchema.describe('json pages, or a download: csv (UTF-8 with BOM) or xlsx, with Chinese headers'),
  after: z.string().max(40).optional(),
  limit: PageLimitSchema,
});

export const ReconciliationItemSchema = z.object({
  idNumber: z.string(),
  name: z.string().nullable(),
  villageCode: z.string().nullable(),
  class: ReconciliationClassSchema,
  expectedFen: z.number().int().nullable(),
  paidFen: z.number().int(),
  owedFen: z.number().int().nullable(),
  paymentIds: z.array(z.string()),
});
export const ReconciliationItemPageSchema = z.object({
  items: z.array(ReconciliationItemSchema),
  next: z.string().nullable(),
});

export const CompareRunsQuerySchema = z.object({
  after: z.string().max(40).optional(),
  limit: PageLimitSchema,
});
export const ClassChangeSchema = z.object({
  idNumber: z.string(),
  name: z.string().nullable(),
  before: ReconciliationClassSchema.nullable().describe('null: the person-year was not in run a'),
  after: ReconciliationClassSchema.nullable().describe('null: the person-year is not in run b'),
});
export const RunComparisonSchema = z.object({
  a: z.uuid(),
  b: z.uuid(),
  items: z.array(ClassChangeSchema),
  next: z.string().nullable(),
});

// ---- Cash -----------------------------------------------------------------------------------

export const CashReceiptBodySchema = z.object({
  receiptNumber: VoucherNumberSchema.describe('the cash receipt’s number'),
  idNumber: IdNumberSchema,
  year: YearSchema,
  tier: TierSchema,
  amountFen: z.number().int().positive().max(MAX_PAYMENT_FEN),
  receivedAt: InstantSchema,
  villageCode: VillageCodeSchema.optional().describe('default: the collector key’s village'),
  payerName: z.string().trim().min(1).max(100).optional(),
  agentName: z.string().trim().min(1).max(100).optional().describe('who paid for the person (代办人)'),
  signedByPayer: z.boolean().describe('the payer (or agent) signed the receipt: must be true'),
  signedByCollector: z.boolean().describe('the collector signed the receipt: must be true'),
});
export type CashReceiptBody = z.infer<typeof CashReceiptBodySchema>;

export const CashReceiptAnswerSchema = z.object({
  receiptNumber: z.string(),
  paymentId: z.string(),
  status: PaymentStatusSchema,
  problem: PaymentProblemSchema.optional(),
});

export const CashDepositBodySchema = z.object({
  bankSlipNumber: VoucherNumberSchema.describe('the bank’s deposit slip number'),
  depositedAt: InstantSchema,
  amountFen: z.number().int().positive(),
  receiptNumbers: z.array(VoucherNumberSchema).min(1).max(5000),
});
export type CashDepositBody = z.infer<typeof CashDepositBodySchema>;

export const CashDepositAnswerSchema = z.object({
  depositId: z.uuid(),
  bankSlipNumber: z.string(),
  depositedOn: z.string(),
  amountFen: z.number().int(),
  receiptNumbers: z.array(z.string()),
});

export const CashAlertsQuerySchema = z.object({
  regionCode: RegionCodeSchema.optional().describe('default: the key’s region'),
  on: CivilDateSchema.optional().describe('the day judged, end of day (default today)'),
});
export const CashAlertSchema = z.object({
  kind: z.enum(['same-day-limit', 'late-deposit']),
  since: z.string().describe('the first day the limit was broken'),
  receiptNumbers: z.array(z.string()),
});
export const CollectorCashSchema = z.object({
  collector: z.string().describe('the collector key’s name'),
  undepositedFen: z.number().int(),
  oldestReceiptAt: z.string().nullable(),
  alerts: z.array(CashAlertSchema),
});
export const CashAlertsAnswerSchema = z.object({
  on: z.string(),
  collectors: z.array(CollectorCashSchema),
  limits: z
    .array(
      z.object({
        year: z.number().int(),
        depositWithinDays: z.number().int().nullable(),
        sameDayDepositFen: z.number().int().nullable(),
        source: z.string().nullable().describe('null: no policy in force states cash limits for the year'),
      }),
    )
    .describe('the limits applied, per insurance year of the cash held'),
});

// ---- Channel summaries ------------------------------------------------------------------------

export const ChannelSummaryQuerySchema = z.object({
  regionCode: RegionCodeSchema.optional(),
  from: CivilDateSchema,
  to: CivilDateSchema,
  format: FormatSchema,
});
export const ChannelSummaryRowSchema = z.object({
  day: z.string(),
  channel: z.string(),
  villageCode: z.string().nullable(),
  payments: z.number().int(),
  paymentsFen: z.number().int(),
  reversals: z.number().int(),
  reversalsFen: z.number().int(),
});
export const ChannelSummarySchema = z.object({ rows: z.array(ChannelSummaryRowSchema) });
