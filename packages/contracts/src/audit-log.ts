import { z } from 'zod';

export const AuditLogQuerySchema = z.object({
  entity: z.string().optional(),
  action: z.string().optional(),
  before: z.coerce.number().int().positive().optional().describe('page: entries with a smaller id'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One row of `core.audit_log`: who changed what; ID numbers in it are masked when written. */
export const AuditLogEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  service: z.string(),
  actorKeyId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  regionCode: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export type AuditLogQuery = z.infer<typeof AuditLogQuerySchema>;
export type AuditLogEntry = z.infer<typeof AuditLogEntrySchema>;
