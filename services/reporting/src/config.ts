import { BaseConfigSchema } from '@rmi/service-kit';
import type { z } from 'zod';

export const ReportingConfigSchema = BaseConfigSchema;
export type ReportingConfig = z.infer<typeof ReportingConfigSchema>;
