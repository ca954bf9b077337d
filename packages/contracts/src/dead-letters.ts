import { z } from 'zod';

/**
 * `/v1/outbox/dead-letters`: batches of events a subscriber refused `OUTBOX_MAX_ATTEMPTS` times,
 * set aside so the subscriber's later events could go on. ID numbers are masked throughout; a
 * retry sends the events as they were recorded.
 */
export const DEAD_LETTER_STATUSES = ['set-aside', 'redelivered'] as const;

export const DeadLetterEventSchema = z.object({
  id: z.number().int().describe('the outbox id'),
  topic: z.string(),
  createdAt: z.string().describe('when the change was committed'),
  payload: z.record(z.string(), z.unknown()).describe('as recorded, ID numbers masked'),
});

export const DeadLetterSchema = z.object({
  id: z.number().int(),
  subscriber: z.string().describe('the `EVENT_SUBSCRIBERS` name the batch was refused by'),
  status: z.enum(DEAD_LETTER_STATUSES),
  attempts: z.number().int().describe('deliveries tried, retries through this API included'),
  lastError: z.string().describe('the last refusal, ID numbers masked'),
  setAsideAt: z.string(),
  redeliveredAt: z.string().nullable(),
  events: z.array(DeadLetterEventSchema),
});

export const DeadLetterListQuerySchema = z.object({
  status: z.enum(DEAD_LETTER_STATUSES).optional(),
  subscriber: z.string().max(64).optional(),
  before: z.coerce.number().int().positive().optional().describe('page: dead letters with a smaller id'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const DeadLetterParamsSchema = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export type DeadLetter = z.infer<typeof DeadLetterSchema>;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];
export type DeadLetterListQuery = z.infer<typeof DeadLetterListQuerySchema>;
