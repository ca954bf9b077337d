import { z } from 'zod';
import { DepartmentSchema } from './api-keys.js';

// Department feeds (contracts/identity-feeds.md "Posting a batch"): the query of a post, its
// answer, the listing of batches and the truncated-file guard's settings.

export const FEED_MODES = ['snapshot', 'delta'] as const;
export const FeedModeSchema = z.enum(FEED_MODES);

/** What a batch became: its answer's status (discarded and failed only in listings). */
export const FEED_BATCH_STATUSES = [
  'applied',
  'dry-run',
  'unchanged',
  'held',
  'rejected',
  'discarded',
  'failed',
] as const;
export const FeedBatchStatusSchema = z.enum(FEED_BATCH_STATUSES);

export const FeedPeriodSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM')
  .describe('the month the list is for; spells of absent people end the day before its first day');

export const FeedDepartmentParamsSchema = z.object({ department: DepartmentSchema });

export const PostFeedBatchQuerySchema = z.object({
  mode: FeedModeSchema.describe(
    'snapshot: the complete current list (absent people lose the identity); delta: only the rows’ actions',
  ),
  period: FeedPeriodSchema,
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('compute and answer the counts; apply nothing (the diff stays downloadable)'),
  onRowErrors: z
    .enum(['skip', 'reject'])
    .default('skip')
    .describe('skip: valid rows apply, people on bad rows keep what they had; reject: any bad row rejects the batch'),
  fileName: z.string().max(255).optional().describe('the file’s name, kept with the batch'),
});
export type PostFeedBatchQuery = z.infer<typeof PostFeedBatchQuerySchema>;

/** Header `Idempotency-Key`: the same key answers the batch it first made. */
export const FeedIdempotencyHeadersSchema = z.object({
  'idempotency-key': z.string().trim().min(1).max(200).optional(),
});

/** One problem of one row of a feed; `line` is the file's physical line (XLSX: the sheet's row). */
export const FeedRowErrorSchema = z.object({
  line: z.number().int(),
  column: z.string().describe('the field: idNumber, name, identity, township, village, certifiedOn, endedOn, action'),
  code: z
    .string()
    .describe(
      'INVALID_ID_NUMBER, ID_NUMBER_MANGLED, MISSING_FIELD, DUPLICATE_ROW, UNKNOWN_IDENTITY, IDENTITY_NOT_OF_DEPARTMENT, ' +
        'UNKNOWN_REGION, CONFLICTING_ROWS, PERSON_DECEASED, INVALID_DATE, UNKNOWN_ACTION',
    ),
  message: z.string(),
});
export type FeedRowError = z.infer<typeof FeedRowErrorSchema>;

export const FeedCountsSchema = z.object({
  added: z.number().int(),
  changed: z.number().int(),
  moved: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int().describe('people and identities the batch found as they were'),
  errors: z.number().int().describe('rows with at least one error'),
  valid: z.number().int().describe('rows without error'),
});
export type FeedCounts = z.infer<typeof FeedCountsSchema>;

/** The answer to a post, a confirm or a discard (201 applied, 200 dry run or unchanged, 202 held, 422 rejected). */
export const FeedBatchAnswerSchema = z.object({
  batchId: z.uuid(),
  department: DepartmentSchema,
  mode: FeedModeSchema,
  period: z.string(),
  status: FeedBatchStatusSchema,
  scopeRegionCode: z.string().nullable().describe('the key’s region the batch was limited to; null for the whole list'),
  rows: z.number().int().describe('data rows of the file, blank rows not counted'),
  counts: FeedCountsSchema,
  errors: z.array(FeedRowErrorSchema).describe('the first 1000 row errors; errorsUrl has them all'),
  heldReason: z
    .string()
    .optional()
    .describe('why the truncated-file guard held the batch (or would have, in a dry run)'),
  errorsUrl: z.string(),
  diffUrl: z.string(),
  confirmUrl: z.string().optional().describe('held batches: apply as computed'),
});
export type FeedBatchAnswer = z.infer<typeof FeedBatchAnswerSchema>;

export const FeedBatchParamsSchema = z.object({ id: z.uuid() });

export const ListFeedBatchesQuerySchema = z.object({
  department: DepartmentSchema.optional(),
  period: FeedPeriodSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListFeedBatchesQuery = z.infer<typeof ListFeedBatchesQuerySchema>;

/** A batch as listed: what was posted and what became of it; never a person's ID number or name. */
export const FeedBatchSummarySchema = z.object({
  batchId: z.uuid(),
  department: DepartmentSchema,
  mode: FeedModeSchema,
  period: z.string(),
  status: FeedBatchStatusSchema,
  scopeRegionCode: z.string().nullable(),
  format: z.enum(['csv', 'xlsx', 'ndjson']),
  encoding: z.string().nullable(),
  fileName: z.string().nullable(),
  rows: z.number().int(),
  counts: FeedCountsSchema,
  heldReason: z.string().nullable(),
  answerOf: z.uuid().nullable().describe('an unchanged re-post: the applied batch it answered'),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  appliedAt: z.string().nullable(),
  errorsUrl: z.string(),
  diffUrl: z.string(),
  confirmUrl: z.string().optional(),
});
export type FeedBatchSummary = z.infer<typeof FeedBatchSummarySchema>;

const ShareSchema = z.number().min(0).max(1);

/** The truncated-file guard's shares for one department. */
export const FeedSettingsSchema = z.object({
  department: DepartmentSchema,
  maxRemovalShare: ShareSchema.describe('a snapshot removing more than this share of the current list is held'),
  minRowShare: ShareSchema.describe('a snapshot with fewer valid rows than this share of the previous one is held'),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable().describe('null: the defaults, never changed'),
});
export type FeedSettings = z.infer<typeof FeedSettingsSchema>;

export const UpdateFeedSettingsBodySchema = z
  .object({ maxRemovalShare: ShareSchema.optional(), minRowShare: ShareSchema.optional() })
  .refine((b) => b.maxRemovalShare !== undefined || b.minRowShare !== undefined, {
    message: 'give maxRemovalShare, minRowShare or both',
  });
export type UpdateFeedSettingsBody = z.infer<typeof UpdateFeedSettingsBodySchema>;
