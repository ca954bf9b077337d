import { BaseConfigSchema } from '@rmi/service-kit';
import type { z } from 'zod';

export const EnrollmentConfigSchema = BaseConfigSchema;
export type EnrollmentConfig = z.infer<typeof EnrollmentConfigSchema>;
