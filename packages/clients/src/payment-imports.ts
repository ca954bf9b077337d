import type { HttpClient } from './http-client.js';

/** payment-reconciliation: importing tax, channel and assistance-batch exports; assistance totals. */
export function paymentImportMethods(_http: HttpClient) {
  return {};
}
