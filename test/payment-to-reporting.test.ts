// The three services a payment crosses, each as its own process on one database: a payment
// recorded on payment-reconciliation is applied to its enrolment on enrollment through the
// applier, and the events of both reach reporting (contracts/payments.md, "Recording a payment").
import { createEnrollmentClient, createPaymentClient } from '@rmi/clients';
import { createTestDatabase } from '@rmi/db';
import { waitFor } from '@rmi/outbox/testing';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { type RunningService, startService } from './helpers/services.js';

const TOWNSHIP = '500230209'; // 栗子乡
const VILLAGE = '500230209200'; // 南江村村民委员会

const tdb = await createTestDatabase();
const service = await createTestKey(tdb.db, 'service');
const running: RunningService[] = [];
t.teardown(async () => {
  for (const s of running.reverse()) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await tdb.destroy();
});

const quick = { SERVICE_API_KEY: service.key, OUTBOX_POLL_MS: '100', APPLY_POLL_MS: '100' };
const reporting = await startService('reporting', tdb.url);
running.push(reporting);
const enrollment = await startService('enrollment', tdb.url, { ...quick, REPORTING_URL: reporting.url });
running.push(enrollment);
const payment = await startService('payment-reconciliation', tdb.url, {
  ...quick,
  ENROLLMENT_URL: enrollment.url,
  REPORTING_URL: reporting.url,
});
running.push(payment);

const office = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const collector = await createTestKey(tdb.db, 'collector', { regionCode: VILLAGE });
const township = createEnrollmentClient({ baseUrl: enrollment.url, apiKey: office.key });
const payments = createPaymentClient({ baseUrl: payment.url, apiKey: collector.key });
t.teardown(() => Promise.all([township.close(), payments.close()]));

const first17 = '50023019820301001';
const idNumber = first17 + checkCharacter(first17);

/** What reporting has stored of one topic, by payment id. */
const receivedByReporting = async (topic: string, paymentId: string) =>
  (
    await sql<{ source: string }>`select source from reporting.received_events
      where topic = ${topic} and payload->>'paymentId' = ${paymentId}`.execute(tdb.db)
  ).rows;

t.test('a payment recorded on 3003 pays the enrolment on 3001, and reporting on 3004 hears of both', async (t) => {
  await township.createPerson({ idNumber, name: '王伟', hukouRegionCode: VILLAGE });
  await township.registerEnrolment({ idNumber, year: 2025 });

  // cq-2025, tier 1: 400 yuan personal part (003#五(二)).
  const recorded = await payments.recordPayment({
    channel: 'wechat',
    voucherNumber: 'WX-20241115-0001',
    idNumber,
    year: 2025,
    amountFen: 40_000,
    paidAt: '2024-11-15T10:30:00+08:00',
  });
  t.match(recorded, { status: /^(recorded|applied)$/ });

  const paid = await waitFor('the enrolment paid on enrollment', async () => {
    const e = await township.getEnrolment(idNumber, 2025);
    return e.paidFen === 40_000 ? e : undefined;
  });
  t.match(paid, { personalFen: 40_000, paidOn: '2024-11-15' }, 'enrollment holds the payment at its day and amount');
  const applied = await waitFor('the payment marked applied', async () => {
    const p = await payments.getPayment(recorded.paymentId);
    return p.status === 'applied' ? p : undefined;
  });
  t.match(applied, { problem: null, appliedAt: String }, 'payment-reconciliation records that enrollment took it');

  const seen = await waitFor('both events at reporting', async () => {
    const [paidEvents, recordedEvents] = await Promise.all([
      receivedByReporting('enrolment.paid', recorded.paymentId),
      receivedByReporting('payment.recorded', recorded.paymentId),
    ]);
    return paidEvents.length > 0 && recordedEvents.length > 0 ? { paidEvents, recordedEvents } : undefined;
  });
  t.same(
    seen.paidEvents.map((e) => e.source),
    ['enrollment'],
  );
  t.same(
    seen.recordedEvents.map((e) => e.source),
    ['payment-reconciliation'],
  );
});
