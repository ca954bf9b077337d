import { z } from 'zod';

export const ImportQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100).describe('insurance year the rows enrol for'),
  mode: z
    .enum(['whole-file', 'valid-rows'])
    .default('whole-file')
    .describe('whole-file: one bad row and nothing is applied; valid-rows: the valid rows are applied'),
  wait: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('answer when the import has finished instead of when the file is received'),
  fileName: z.string().max(255).optional(),
});

export const ImportSummarySchema = z.object({
  id: z.uuid(),
  year: z.number().int(),
  mode: z.enum(['whole-file', 'valid-rows']),
  format: z.enum(['csv', 'xlsx']),
  status: z.enum(['receiving', 'validating', 'applying', 'applied', 'rejected', 'failed']),
  fileName: z.string().nullable(),
  encoding: z.string().nullable().describe('UTF8 or GB18030, as detected'),
  bytesReceived: z.number().int(),
  rowsTotal: z.number().int().nullable().describe('data rows, blank rows not counted'),
  rowsRejected: z.number().int().nullable(),
  personsCreated: z.number().int().nullable(),
  enrolmentsCreated: z.number().int().nullable(),
  rowsUnchanged: z.number().int().nullable().describe('valid rows already registered for the year in that village'),
  problem: z
    .object({
      code: z.string(),
      detail: z.string(),
      errors: z
        .array(z.object({ line: z.number().int().optional(), path: z.string().optional(), message: z.string() }))
        .optional(),
    })
    .nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  links: z.object({ self: z.string(), rejections: z.string() }),
});

export const ImportRejectionSchema = z.object({
  line: z.number().int(),
  reasons: z.array(z.string()),
  row: z.record(z.string(), z.string().nullable()),
});

export type ImportSummary = z.infer<typeof ImportSummarySchema>;
