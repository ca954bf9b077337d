import { z } from 'zod';

/** `POST /v1/snapshots`: the running week's snapshot of one year, or of every year counted. */
export const TakeSnapshotBodySchema = z
  .object({
    year: z.number().int().min(2000).max(2100).optional().describe('enrolment year; every year counted when omitted'),
  })
  .strict();

export const SnapshotListQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
});

export const SnapshotSchema = z.object({
  id: z.string(),
  year: z.number().int(),
  week: z.string().describe('ISO week, e.g. 2025-W47'),
  closed: z.boolean().describe('taken when the week ended: final, never retaken'),
  takenAt: z.string(),
  takenBy: z.string().nullable().describe('the key that asked for it; null for the closing snapshot'),
  villages: z.number().int().describe('village rows kept'),
  groups: z.number().int().describe('special-group rows kept'),
});

export const SnapshotsTakenSchema = z.object({
  week: z.string(),
  snapshots: z.array(SnapshotSchema),
});

export const SnapshotListSchema = z.object({ snapshots: z.array(SnapshotSchema) });

export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotsTaken = z.infer<typeof SnapshotsTakenSchema>;
