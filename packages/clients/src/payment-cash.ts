import type { HttpClient } from './http-client.js';

/** payment-reconciliation: cash receipts, deposits and alerts; channel summaries. */
export function cashMethods(_http: HttpClient) {
  return {};
}
