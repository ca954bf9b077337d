import { z } from 'zod';
import { ReasonSchema } from './quotes.js';

const fen = z.number().int().nonnegative().max(1_000_000_000_00);

/** `POST /v1/estimates`: an inpatient reimbursement estimate county desks use to explain tiers. */
export const EstimateRequestSchema = z.object({
  regionCode: z.string().regex(/^\d{6,12}$/, 'a division code of 6 to 12 digits (county, township or village)'),
  year: z.number().int().min(2000).max(2100),
  tier: z
    .union([z.literal(1), z.literal(2)])
    .default(1)
    .describe('contribution tier (档次)'),
  hospitalLevel: z
    .union([z.literal(1), z.literal(2), z.literal(3)])
    .describe('1: township health centre / level-1, 2: county / level-2, 3: level-3 hospital'),
  inScopeCostFen: fen.describe('in-scope (政策范围内) cost of the stay, in fen'),
  minor: z.boolean().default(false),
  identities: z.array(z.string().min(1).max(100)).max(50).default([]),
  priorOutOfPocketFen: fen
    .default(0)
    .describe('in-scope cost already borne this year, toward the critical-illness deductible'),
  continuousYears: z.number().int().min(0).max(100).optional().describe('years of continuous enrolment (003#七)'),
  zeroClaimPreviousYear: z.boolean().optional().describe('no claims in the previous year (003#七)'),
});

export const EstimateSchema = z.object({
  policyId: z.string(),
  basicFen: z.number().int().describe('paid by basic medical insurance'),
  criticalIllnessFen: z.number().int().describe('paid by critical-illness insurance (大病保险)'),
  totalFen: z.number().int(),
  outOfPocketFen: z.number().int().describe('in-scope cost left to the person before medical assistance'),
  reasons: z.array(ReasonSchema),
});

export type EstimateRequest = z.infer<typeof EstimateRequestSchema>;
export type Estimate = z.infer<typeof EstimateSchema>;
