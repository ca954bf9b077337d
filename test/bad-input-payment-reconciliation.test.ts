// Issue 14, part 4, on payment-reconciliation: generated requests to every route of its OpenAPI
// document.
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../services/payment-reconciliation/src/app.js';
import { appToFuzz, fuzzEveryRoute } from './helpers/bad-input.js';

const { app, auths } = await appToFuzz(SERVICE, paymentApp, PaymentConfigSchema);

t.test('every route answers bad input with a problem and never with a 5xx', async (t) => {
  const ops = await fuzzEveryRoute(t, app, { auths, numRuns: Number(process.env.BAD_INPUT_RUNS ?? 250) });
  t.ok(ops.length > 20, `${ops.length} operations`);
});

t.test('regressions found by the generated requests', async (t) => {
  const collector = auths[3] ?? {};
  // Receipts of 2^52 fen each were taken; two of them held made GET /v1/cash-alerts fail (500) on
  // a sum past the integers a JSON number holds.
  const receipt = await app.inject({
    method: 'POST',
    url: '/v1/cash-receipts',
    headers: collector,
    payload: {
      receiptNumber: 'R-HUGE-1',
      idNumber: '500230198001010012',
      year: 2026,
      tier: 1,
      amountFen: 2 ** 52,
      receivedAt: '2026-01-05T10:00:00+08:00',
      signedByPayer: true,
      signedByCollector: true,
    },
  });
  t.equal(receipt.statusCode, 400);
  t.ok(
    receipt.json().errors?.some((e: { path: string }) => e.path === 'body.amountFen'),
    'the amount is what is refused',
  );
  const alerts = await app.inject({ url: '/v1/cash-alerts', headers: collector });
  t.equal(alerts.statusCode, 200);
  // A receipt of the year 286: its day, "286-09-07", failed the event's own schema (500).
  const ancient = await app.inject({
    method: 'POST',
    url: '/v1/cash-receipts',
    headers: collector,
    payload: {
      receiptNumber: 'R-OLD-1',
      idNumber: '500230194001010004',
      year: 2025,
      tier: 1,
      amountFen: 1,
      receivedAt: '0286-09-07T15:09:47.505Z',
      signedByPayer: true,
      signedByCollector: true,
    },
  });
  t.equal(ancient.statusCode, 400);
  t.ok(
    ancient.json().errors?.some((e: { path: string }) => e.path === 'body.receivedAt'),
    'the instant is what is refused',
  );
});
