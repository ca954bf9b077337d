import type {
  Payment,
  PaymentListQuery,
  PaymentPage,
  RecordedPayment,
  RecordPaymentBody,
  ReversePaymentRequest,
} from '@rmi/contracts';
import { type Actor, ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@rmi/service-kit';
import type { PaymentDb, RunChange } from '../db.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { assertPaymentInScope, listingRegion, villageOfNewPayment } from './payment-scope.js';
import { type PaymentWithReversal, toPayment, toRecordedPayment } from './payment-view.js';
import { createPaymentsRepository } from './payments.repository.js';
import { recordPayment } from './record-payment.js';
import { retryPayment } from './retry-payment.js';
import { reversePayment } from './reverse-payment.js';

/**
 * Payments through the API (contracts/payments.md "Recording a payment"): recording one exactly
 * once, reading and listing them within the caller's region, retrying a parked one, reversing one.
 * The applier (src/applier) takes what is recorded here to enrollment.
 */
export function createPaymentsService(db: PaymentDb, change: RunChange) {
  const payments = createPaymentsRepository(db);

  async function visible(actor: Actor, paymentId: string): Promise<PaymentWithReversal> {
    const row = await payments.find(paymentId);
    if (!row) throw new NotFoundError('PAYMENT_NOT_FOUND', `No payment ${paymentId}.`);
    assertPaymentInScope(actor, row.village_code);
    return row;
  }

  async function current(paymentId: string): Promise<Payment> {
    return toPayment((await payments.find(paymentId)) as PaymentWithReversal);
  }

  // Channels are only ever added (migration 20261202090000_payments): one found once is kept, so a
  // collector's payment costs no look-up; an unknown code is asked again every time.
  const knownChannels = new Set<string>();

  return Object.freeze({
    /**
     * 201 (`created`) for a new payment; the first payment's answer for the same Idempotency-Key
     * or the same voucher with the same content; 409 VOUCHER_REUSED naming the payment that holds
     * the voucher otherwise.
     */
    async record(
      actor: Actor,
      body: RecordPaymentBody,
      idempotencyKey: string | null,
    ): Promise<{ created: boolean; answer: RecordedPayment }> {
      const villageCode = await villageOfNewPayment(actor, body.villageCode, () =>
        payments.enrolmentVillage(body.idNumber, body.year),
      );
      if (!knownChannels.has(body.channel)) {
        if (!(await payments.channelExists(body.channel))) {
          throw new UnprocessableError('UNKNOWN_CHANNEL', `No payment channel ${body.channel}; see GET /v1/channels.`, {
            errors: [{ path: 'body.channel', message: 'not a code of GET /v1/channels' }],
          });
        }
        knownChannels.add(body.channel);
      }
      const outcome = await change(actor, (c) =>
        recordPayment(c, {
          channel: body.channel,
          voucherNumber: body.voucherNumber,
          idNumber: body.idNumber,
          year: body.year,
          tier: body.tier ?? null,
          amountFen: body.amountFen,
          assistanceFen: body.assistanceFen,
          paidAt: new Date(body.paidAt),
          villageCode,
          payerName: body.payerName ?? null,
          source: 'api',
          idempotencyKey,
        }),
      );
      if (outcome.kind === 'voucher-reused') {
        throw new ConflictError(
          'VOUCHER_REUSED',
          `Voucher ${body.voucherNumber} of channel ${body.channel} was recorded as payment ` +
            `${outcome.payment.id} with other content.`,
          { paymentId: outcome.payment.id },
        );
      }
      return { created: outcome.kind === 'created', answer: toRecordedPayment(outcome.payment) };
    },

    async get(actor: Actor, paymentId: string): Promise<Payment> {
      return toPayment(await visible(actor, paymentId));
    },

    async list(actor: Actor, query: PaymentListQuery): Promise<PaymentPage> {
      const regionPrefix = listingRegion(actor, query.regionCode);
      const after = query.after === undefined ? null : decodeCursor(query.after);
      const rows = await payments.page(
        {
          regionPrefix,
          year: query.year,
          status: query.status,
          channel: query.channel,
          idNumber: query.idNumber,
        },
        after,
        query.limit,
      );
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items: items.map(toPayment),
        next: rows.length > query.limit && last ? encodeCursor({ recordedAt: last.cursor_at, id: last.id }) : null,
      };
    },

    /** A parked payment back in the queue; the change's commit wakes the applier. */
    async retry(actor: Actor, paymentId: string): Promise<Payment> {
      await visible(actor, paymentId);
      await change(actor, (c) => retryPayment(c, paymentId));
      return current(paymentId);
    },

    /** Records a reversal: 201 with the payment as it now reads; 409 ALREADY_REVERSED the second time. */
    async reverse(actor: Actor, paymentId: string, body: ReversePaymentRequest): Promise<Payment> {
      const payment = await visible(actor, paymentId);
      const reversedAt = new Date(body.reversedAt);
      if (reversedAt.getTime() < new Date(payment.paid_at).getTime()) {
        throw new ValidationError([{ path: 'body.reversedAt', message: 'before the payment was made' }]);
      }
      await change(actor, (c) =>
        reversePayment(c, payment, {
          reversedAt,
          reason: body.reason,
          voucherNumber: body.voucherNumber ?? null,
          source: 'api',
        }),
      );
      return current(paymentId);
    },
  });
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
