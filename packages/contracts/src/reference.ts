import { z } from 'zod';

export const IdentityTypeSchema = z.object({
  code: z.string(),
  labels: z.array(z.string()),
  department: z.string(),
  cqAssistanceCode: z.string().nullable(),
});

export const ResolveIdentitiesBodySchema = z.object({ identities: z.array(z.string()).min(1).max(100) });
export const ResolvedIdentitiesSchema = z.object({ codes: z.array(z.string()), unknown: z.array(z.string()) });

export const PaymentChannelSchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(['online', 'offline', 'cash']),
  source: z.string(),
});
