import { BaseConfigSchema } from '@rmi/service-kit';
import type { z } from 'zod';

export const SubsidyIdentityConfigSchema = BaseConfigSchema;
export type SubsidyIdentityConfig = z.infer<typeof SubsidyIdentityConfigSchema>;
