import { PaymentChannelSchema } from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient } from './http-client.js';

export type PaymentChannel = z.infer<typeof PaymentChannelSchema>;

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

    close: () => http.close(),
  };
}

export type PaymentClient = ReturnType<typeof createPaymentClient>;
