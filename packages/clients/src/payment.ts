import { PaymentChannelSchema } from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient } from './http-client.js';
import { cashMethods } from './payment-cash.js';
import { paymentImportMethods } from './payment-imports.js';
import { paymentMethods } from './payment-payments.js';
import { reconciliationMethods } from './payment-reconciliations.js';

export type * from './payment-cash.js';
export type * from './payment-imports.js';
export type * from './payment-payments.js';
export type * from './payment-reconciliations.js';
export type PaymentChannel = z.infer<typeof PaymentChannelSchema>;

/** payment-reconciliation (contracts/payments.md): one method per route, grouped by part. */
export function createPaymentClient(options: ClientOptions) {
  const http = createHttpClient(options);
  return {
    ...operations(http),

    listChannels: (call?: CallOptions): Promise<PaymentChannel[]> =>
      http.request({
        method: 'GET',
        path: '/v1/channels',
        schema: z.array(PaymentChannelSchema),
        ...callOptions(call),
      }),

    ...paymentMethods(http),
    ...paymentImportMethods(http),
    ...reconciliationMethods(http),
    ...cashMethods(http),

    close: () => http.close(),
  };
}

export type PaymentClient = ReturnType<typeof createPaymentClient>;
