import { z } from 'zod';

export const RegionLevelSchema = z.enum(['province', 'city', 'county', 'township', 'village']);

export const RegionSchema = z.object({
  code: z.string(),
  name: z.string(),
  level: RegionLevelSchema,
  parentCode: z.string().nullable(),
});

export const RegionWithChildrenSchema = RegionSchema.extend({
  path: z.array(RegionSchema).describe('ancestors, province first'),
  children: z.array(RegionSchema),
});

export const RegionImportResultSchema = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  encoding: z.string(),
});

export type Region = z.infer<typeof RegionSchema>;
export type RegionWithChildren = z.infer<typeof RegionWithChildrenSchema>;
export type RegionImportResult = z.infer<typeof RegionImportResultSchema>;
