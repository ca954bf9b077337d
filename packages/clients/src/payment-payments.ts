import type { HttpClient } from './http-client.js';

/** payment-reconciliation: recording, reading, retrying and reversing payments. */
export function paymentMethods(_http: HttpClient) {
  return {};
}
