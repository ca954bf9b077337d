import { z } from 'zod';

export const HealthSchema = z.object({ status: z.literal('ok'), service: z.string(), version: z.string() });

export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  service: z.string(),
  checks: z.object({
    database: z.enum(['ok', 'unreachable', 'busy']),
    migrations: z.enum(['current', 'pending', 'unknown']),
  }),
  pendingMigrations: z.array(z.string()).optional(),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
