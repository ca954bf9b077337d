import type { HttpClient } from './http-client.js';

/** payment-reconciliation: reconciliation runs, their items and comparisons. */
export function reconciliationMethods(_http: HttpClient) {
  return {};
}
