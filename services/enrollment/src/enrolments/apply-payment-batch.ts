import type { ApplyPaymentBody, FieldError, PaymentBatchResult } from '@rmi/contracts';
import { type Actor, AppError, type PolicyInForce } from '@rmi/service-kit';
import type { RunChange } from '../db.js';
import { applyPaymentIn } from './apply-payment.js';
import { toEnrolment } from './enrolment-view.js';

/** One item of a batch as the route read it: a payment to apply, or the field errors that refuse it. */
export type PaymentBatchEntry =
  | { paymentId: string; body: ApplyPaymentBody }
  | { paymentId: string | null; errors: FieldError[] };

/**
 * Applies a batch's payments one after another, each in a change of its own, as the single PUT
 * applies one (apply-payment.ts): a refused item writes nothing and leaves the others alone, and
 * one transaction at a time holds one pool connection, never waiting for a second.
 *
 * A refusal is what PUT answers 4xx (its code, detail and the fields of its problem). Anything else
 * (the database busy or gone, a bug) ends the batch by throwing, to be answered 503/500 for the
 * whole batch: reporting it as a refusal would have the caller park a payment that is fine. The
 * caller resends the batch; what was applied before is then answered `already-applied`.
 */
export async function applyPaymentBatch(
  change: RunChange,
  actor: Actor,
  inForce: readonly PolicyInForce[],
  entries: readonly PaymentBatchEntry[],
  today: string,
): Promise<PaymentBatchResult[]> {
  const results: PaymentBatchResult[] = [];
  for (const [index, entry] of entries.entries()) {
    if ('errors' in entry) {
      results.push({
        paymentId: entry.paymentId,
        status: 'refused',
        code: 'VALIDATION_FAILED',
        detail: 'The item has invalid fields.',
        errors: entry.errors,
      });
      continue;
    }
    try {
      const { applied, row } = await change(actor, (c) => applyPaymentIn(c, inForce, entry.paymentId, entry.body));
      results.push({
        paymentId: entry.paymentId,
        status: applied ? 'applied' : 'already-applied',
        enrolment: toEnrolment(row, today),
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      results.push(refused(entry.paymentId, index, err));
    }
  }
  return results;
}

function refused(paymentId: string, index: number, err: AppError): PaymentBatchResult {
  const { errors, ...details } = err.extra;
  // A field PUT names in its body (`body.regionCode`) is this item's field in the batch.
  const itemErrors = Array.isArray(errors)
    ? (errors as FieldError[]).map((e) => ({ ...e, path: e.path.replace(/^body\./, `body.items.${index}.`) }))
    : undefined;
  return {
    paymentId,
    status: 'refused',
    code: err.code,
    detail: err.message,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    ...(itemErrors ? { errors: itemErrors } : {}),
  };
}
