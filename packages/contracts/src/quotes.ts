import { QUOTE_CATEGORIES, STUDENT_STATUSES } from '@rmi/rules';
import { z } from 'zod';
import { CivilDateSchema } from './persons.js';

// contracts/quote.md: fixed. Fields may be added, never renamed or dropped.

export const QuoteCategorySchema = z.enum(QUOTE_CATEGORIES);
export const StudentStatusSchema = z.enum(STUDENT_STATUSES);

export const QuoteRequestSchema = z.object({
  regionCode: z
    .string()
    .regex(/^\d{6,12}$/, 'a division code of 6 to 12 digits (county, township or village)')
    .describe('where the person enrols; the policy is found by walking up to the nearest region that has one'),
  year: z.number().int().min(2000).max(2100).describe('insurance year: the year benefits are for'),
  // No default here: rules quotes tier 1 when none is given, and says when tier 2 would cost less.
  tier: z
    .union([z.literal(1), z.literal(2)])
    .optional()
    .describe('contribution tier (档次); tier 1 when absent'),
  category: QuoteCategorySchema.default('resident'),
  paidOn: CivilDateSchema.describe('the day the payment completes (Asia/Shanghai)'),
  birthDate: CivilDateSchema.optional().describe('required for newborns'),
  identities: z
    .array(z.string().min(1).max(100))
    .max(50)
    .default([])
    .describe('identity codes or labels as the notices print them (城乡低保对象, 监测对象 …)'),
  studentStatus: StudentStatusSchema.optional(),
  lastEnrolledYear: z.number().int().min(1990).max(2100).optional(),
  employeeInsuranceEndedOn: CivilDateSchema.optional().describe(
    'added field: the day employee insurance stopped, for people who join soon after (002#四(三), 004#4)',
  ),
});

export const ReasonSchema = z.object({
  rule: z.string(),
  source: z.string().describe('<seed file>#<section>'),
  text: z.string(),
});

export const QuoteSchema = z.object({
  policyId: z.string(),
  standardFen: z.number().int(),
  fiscalSubsidyFen: z.number().int(),
  assistanceFen: z.number().int(),
  assistanceIdentity: z.string().nullable(),
  waiverFen: z.number().int(),
  personalFen: z.number().int(),
  benefitStart: z.string(),
  benefitEnd: z.string(),
  waitingDays: z.number().int(),
  reasons: z.array(ReasonSchema),
});

export type QuoteRequest = z.infer<typeof QuoteRequestSchema>;
export type Quote = z.infer<typeof QuoteSchema>;
