import {
  type Payment,
  type PaymentListQuerySchema,
  type PaymentPage,
  PaymentPageSchema,
  PaymentSchema,
  type RecordedPayment,
  RecordedPaymentSchema,
  type RecordPaymentInput,
  type ReversePaymentRequest,
} from '@rmi/contracts';
import type { z } from 'zod';
import { type CallOptions, callOptions } from './common.js';
import type { HttpClient } from './http-client.js';

/** The filters of `listPayments`; `limit` defaults to 100, `after` is the previous page's `next`. */
export type PaymentListInput = Omit<z.input<typeof PaymentListQuerySchema>, 'year' | 'limit'> & {
  year?: number;
  limit?: number;
};

const paymentPath = (id: string, rest = '') => `/v1/payments/${encodeURIComponent(id)}${rest}`;

/** payment-reconciliation: recording, reading, retrying and reversing payments. */
export function paymentMethods(http: HttpClient) {
  return {
    /**
     * Records a payment: a new one answers `recorded`; the same `idempotencyKey` (from the same API
     * key), or the same voucher with the same content, answers the first payment. The same voucher
     * with other content throws VOUCHER_REUSED (its `paymentId` in the problem).
     */
    recordPayment: (
      body: RecordPaymentInput,
      call?: CallOptions & { idempotencyKey?: string },
    ): Promise<RecordedPayment> => {
      const base = callOptions(call);
      return http.request({
        method: 'POST',
        path: '/v1/payments',
        body,
        schema: RecordedPaymentSchema,
        signal: base.signal,
        headers: { ...base.headers, ...(call?.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}) },
      });
    },

    /** PAYMENT_NOT_FOUND for an unknown id. */
    getPayment: (id: string, call?: CallOptions): Promise<Payment> =>
      http.request({
        method: 'GET',
        path: paymentPath(id),
        route: '/v1/payments/:id',
        schema: PaymentSchema,
        ...callOptions(call),
      }),

    /** One page; pass its `next` as `after` for the following one. */
    listPayments: (query: PaymentListInput = {}, call?: CallOptions): Promise<PaymentPage> =>
      http.request({
        method: 'GET',
        path: '/v1/payments',
        // ID numbers stay out of the route errors name.
        route: '/v1/payments',
        query: { ...query },
        schema: PaymentPageSchema,
        ...callOptions(call),
      }),

    /** A parked payment sent to enrollment again; NOT_PARKED otherwise. */
    retryPayment: (id: string, call?: CallOptions): Promise<Payment> =>
      http.request({
        method: 'POST',
        path: paymentPath(id, '/retry'),
        route: '/v1/payments/:id/retry',
        schema: PaymentSchema,
        ...callOptions(call),
      }),

    /** Records a reversal (冲正) and answers the payment; ALREADY_REVERSED the second time. */
    reversePayment: (id: string, body: ReversePaymentRequest, call?: CallOptions): Promise<Payment> =>
      http.request({
        method: 'POST',
        path: paymentPath(id, '/reversal'),
        route: '/v1/payments/:id/reversal',
        body,
        schema: PaymentSchema,
        ...callOptions(call),
      }),
  };
}
