import { z } from 'zod';
import { CivilDateSchema } from './persons.js';

/** How a village's target (任务数) was set: loaded by an operator, or computed from the register. */
export const TARGET_BASES = ['loaded', 'hukou-population', 'enrolled-on-date'] as const;
export const TargetBasisSchema = z.enum(TARGET_BASES);

const TargetYearSchema = z.number().int().min(2000).max(2100).describe('insurance year the target is for');
const SourceSchema = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .describe('where the number comes from, e.g. `002_760418c3a3365474.txt#一` or the annex of a notice');

export const SetTargetsBodySchema = z.object({
  year: TargetYearSchema,
  targets: z
    .array(
      z.object({
        // Deliberately loose: a code that is not a stored, in-scope village is a bad row (422
        // TARGETS_INVALID, listed with the others), not a malformed request.
        regionCode: z.string().max(32).describe('12-digit village code'),
        target: z.number().int().describe('persons to enrol; 0 or more'),
        source: SourceSchema.optional(),
      }),
    )
    .min(1)
    .max(50_000),
});

export const ImportTargetsQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100),
  source: SourceSchema.optional().describe('for rows whose file has no source column'),
});

export const ComputeTargetsBodySchema = z.object({
  year: TargetYearSchema,
  regionCode: z
    .string()
    .regex(/^\d{6}(\d{3}(\d{3})?)?$/, 'a county (6), township (9) or village (12) code')
    .describe('every village under this region gets a target'),
  basis: z.enum(['hukou-population', 'enrolled-on-date']),
  date: CivilDateSchema.describe('the day the base is counted on, e.g. 2024-09-30 for 2025 in 003#一'),
  source: SourceSchema.optional(),
});

export const TargetsQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100),
  regionCode: z
    .string()
    .regex(/^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/, 'a division code of 2, 4, 6, 9 or 12 digits')
    .optional()
    .describe("default: the key's own region"),
});

export const TargetSchema = z.object({
  regionCode: z.string(),
  regionName: z.string(),
  year: z.number().int(),
  target: z.number().int(),
  basis: TargetBasisSchema,
  basisDate: z.string().nullable().describe('the day a computed target was counted on'),
  source: z.string().nullable(),
  setBy: z.string().nullable().describe('API key id'),
  setAt: z.string(),
});

export const TargetsWrittenSchema = z.object({
  year: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  total: z.number().int().describe('sum of the targets written'),
  targets: z.array(TargetSchema),
});

export const TargetsImportedSchema = TargetsWrittenSchema.extend({ encoding: z.string() });

export const TargetsListSchema = z.object({
  year: z.number().int(),
  regionCode: z.string().nullable(),
  regionName: z.string().nullable(),
  total: z.number().int().describe('sum over the villages listed'),
  targets: z.array(TargetSchema),
});

export type TargetBasis = z.infer<typeof TargetBasisSchema>;
export type SetTargetsBody = z.infer<typeof SetTargetsBodySchema>;
export type ComputeTargetsBody = z.infer<typeof ComputeTargetsBodySchema>;
export type Target = z.infer<typeof TargetSchema>;
export type TargetsWritten = z.infer<typeof TargetsWrittenSchema>;
export type TargetsList = z.infer<typeof TargetsListSchema>;
