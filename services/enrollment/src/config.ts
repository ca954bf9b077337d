import { baseConfigShape } from '@rmi/service-kit';
import { z } from 'zod';

export const EnrollmentConfigSchema = z.object({
  ...baseConfigShape,
  // Quotes read the policies in force from memory; a document loaded through another replica is
  // seen here after at most this long (a load through this one is seen at once).
  POLICY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
});
export type EnrollmentConfig = z.infer<typeof EnrollmentConfigSchema>;
