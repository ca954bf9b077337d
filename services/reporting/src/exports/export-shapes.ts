import { z } from 'zod';

export const EXPORT_REPORTS = ['progress', 'special-groups', 'weekly', 'assessment', 'unpaid'] as const;
export type ExportReport = (typeof EXPORT_REPORTS)[number];

export const ExportParamsSchema = z.object({
  report: z.enum(EXPORT_REPORTS),
});

/**
 * `GET /v1/exports/{report}`: `week` picks a snapshot (progress and special groups: the week's
 * snapshot; weekly: the week ranked, the running week live when omitted); `on` is the assessment
 * day (today when omitted).
 */
export const ExportQuerySchema = z
  .object({
    regionCode: z
      .string()
      .regex(/^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/, 'a region code has 2, 4, 6, 9 or 12 digits')
      .describe('the region; a township (9 digits) for weekly and assessment'),
    year: z.coerce.number().int().min(2000).max(2100).describe('enrolment year'),
    week: z
      .string()
      .regex(/^\d{4}-W\d{2}$/, 'an ISO week, e.g. 2025-W47')
      .optional()
      .describe('progress, special-groups, weekly'),
    on: z.iso.date().optional().describe('assessment: the day scored, YYYY-MM-DD'),
    format: z.enum(['csv', 'xlsx']).default('csv'),
  })
  .strict();

export type ExportQuery = z.infer<typeof ExportQuerySchema>;
