import { BaseConfigSchema } from '@rmi/service-kit';
import type { z } from 'zod';

export const PaymentConfigSchema = BaseConfigSchema;
export type PaymentConfig = z.infer<typeof PaymentConfigSchema>;
