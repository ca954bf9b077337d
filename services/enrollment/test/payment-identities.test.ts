import { randomUUID } from 'node:crypto';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { idNumbers, insertPerson, setup } from './helpers.js';

// Applying a payment takes the identities a department certified for the payment day from
// identity.v_identity_spells (contracts/identity-feeds.md, "Published view"), with any the body
// names, and fixes the assistance for good (003#五). cq-2025: tier 1 is 400 yuan; 城乡低保对象 are
// assisted with 360 (003#五(二)), 特困人员 with 400; the concentrated period runs 2024-09-14..12-31.
const { app, db } = await setup(t);

const LIZI_VILLAGE = '500230209200';
const service = await createTestKey(db, 'service');
const lizi = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
const idNumber = idNumbers();
const person = () => insertPerson(db, idNumber(), { village: LIZI_VILLAGE });

/**
 * Stands for a list civil affairs posted to subsidy-identity (`POST /v1/feeds/civil-affairs/batches`):
 * the spell that list leaves in identity.spells, written here directly.
 */
async function certify(id: string, from: string, to: string | null = null, code = 'subsistence-allowance') {
  await db
    .insertInto('identity.spells')
    .values({
      id_number: id,
      identity_code: code,
      department: 'civil-affairs',
      region_code: LIZI_VILLAGE,
      name: '测试',
      valid_from: from,
      valid_to: to,
      // Only the open spell is the department's list as last applied (one current per identity).
      current: to === null,
      batch_id: randomUUID(),
    })
    .execute();
}

const pay = (paymentId: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PUT', url: `/v1/enrolment-payments/${paymentId}`, headers: service.headers, payload });
const body = (id: string, amountFen: number, extra: Record<string, unknown> = {}) => ({
  idNumber: id,
  year: 2025,
  paidOn: '2024-11-15',
  amountFen,
  ...extra,
});
const enrolment = (id: string) =>
  db
    .selectFrom('enrollment.enrolments')
    .selectAll()
    .where('id_number', '=', id)
    .where('year', '=', 2025)
    .executeTakeFirst();
const rules = (reasons: Array<{ rule: string }>) => reasons.map((r) => r.rule);

t.test('certified 低保 on the payment day: the 2025 assistance without the body naming it', async (t) => {
  const id = await person();
  await certify(id, '2024-10-01');
  const res = await pay('CERT-1', body(id, 4000));
  t.equal(res.statusCode, 201);
  const paid = res.json().enrolment;
  t.match(paid, {
    policyId: 'cq-2025',
    standardFen: 40000,
    assistanceFen: 36000,
    assistanceIdentity: 'subsistence-allowance',
    personalFen: 4000,
    paidFen: 4000,
    identities: ['subsistence-allowance'],
    benefitStart: '2025-01-01',
  });
  const certified = paid.reasons.find((r: { rule: string }) => r.rule === 'identity-certified');
  t.match(certified, {
    source: '003_01f4ef08c34ea7cb.txt#五',
    text: /^低保对象 \(subsistence-allowance\) certified by civil-affairs, held on 2024-11-15/,
  });
  t.ok(rules(paid.reasons).includes('identities-at-payment'), 'the answer says the day decides');
  t.notOk(rules(paid.reasons).includes('identity-declared'), 'nothing came from the body');

  // The spell's first and last days both count.
  const startsThatDay = await person();
  await certify(startsThatDay, '2024-11-15');
  t.match((await pay('CERT-2', body(startsThatDay, 4000))).json(), { enrolment: { assistanceFen: 36000 } });
  const endsThatDay = await person();
  await certify(endsThatDay, '2024-03-01', '2024-11-15');
  t.match((await pay('CERT-3', body(endsThatDay, 4000))).json(), { enrolment: { assistanceFen: 36000 } });
});

t.test('certified from the day after payment, or ended the day before: no assistance', async (t) => {
  const late = await person();
  await certify(late, '2024-11-16');
  const refused = await pay('LATE-1', body(late, 4000));
  t.equal(refused.statusCode, 422);
  t.match(refused.json(), { code: 'AMOUNT_MISMATCH', expectedFen: 40000, paidFen: 4000, assistanceFen: 0 });
  t.equal(await enrolment(late), undefined, 'nothing written');
  const full = await pay('LATE-2', body(late, 40000));
  t.equal(full.statusCode, 201);
  t.match(full.json().enrolment, { assistanceFen: 0, assistanceIdentity: null, personalFen: 40000, identities: [] });

  const ended = await person();
  await certify(ended, '2024-01-01', '2024-11-14');
  t.match((await pay('ENDED-1', body(ended, 40000))).json(), { enrolment: { assistanceFen: 0, identities: [] } });

  // A spell a later list superseded (valid_to = valid_from - 1) is no spell at all.
  const superseded = await person();
  await certify(superseded, '2024-10-01', '2024-09-30');
  t.match((await pay('SUPERSEDED-1', body(superseded, 40000))).json(), { enrolment: { assistanceFen: 0 } });
});

t.test('paying the full part while certified: 422 AMOUNT_MISMATCH says what is owed and why', async (t) => {
  const id = await person();
  await certify(id, '2024-10-01');
  const res = await pay('FULL-1', body(id, 40000));
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const problem = res.json();
  t.match(problem, {
    code: 'AMOUNT_MISMATCH',
    expectedFen: 4000,
    paidFen: 40000,
    standardFen: 40000,
    assistanceFen: 36000,
    assistanceIdentity: 'subsistence-allowance',
    identities: ['subsistence-allowance'],
    certifiedIdentities: ['subsistence-allowance'],
  });
  t.match(problem.detail, /4000 fen.*36000 fen of assistance for subsistence-allowance \(certified\)/);
  t.notMatch(problem.detail, id, 'no ID number in the answer');
  t.same(
    rules(problem.reasons).filter((r: string) => r.startsWith('identit')),
    ['identity-certified', 'identities-at-payment'],
  );
  t.ok(rules(problem.reasons).includes('assistance'), 'the rule that brought the assistance');
  t.equal(await enrolment(id), undefined, 'nothing written');
});

t.test('certified and named identities are joined; the highest applies (就高)', async (t) => {
  const id = await person();
  await certify(id, '2024-10-01');
  const res = await pay('BOTH-1', body(id, 0, { identities: ['特困人员', '城乡低保对象'] }));
  t.equal(res.statusCode, 201);
  const paid = res.json().enrolment;
  t.match(paid, { assistanceFen: 40000, assistanceIdentity: 'extreme-poverty', personalFen: 0 });
  t.same(paid.identities, ['extreme-poverty', 'subsistence-allowance'], 'codes, in the order of identity-types.md');
  const texts = paid.reasons.filter((r: { rule: string }) => r.rule.startsWith('identity-'));
  t.same(
    texts.map((r: { rule: string }) => r.rule),
    ['identity-certified', 'identity-declared'],
    '低保 certified, 特困 only named (the label the body sent counts once with the certified code)',
  );
  t.match(texts[1].text, /特困人员 \(extreme-poverty\) named with the payment/);

  // A body label that is no identity is refused as the quote refuses it.
  const other = await person();
  await certify(other, '2024-10-01');
  const unknown = await pay('BOTH-2', body(other, 4000, { identities: ['贫困户'] }));
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), { code: 'UNKNOWN_IDENTITY', identities: ['贫困户'] });
});

t.test('certified after paying: the amounts fixed at payment stay (003#五, no top-up)', async (t) => {
  const id = await person();
  const first = await pay('FIXED-1', body(id, 40000));
  t.equal(first.statusCode, 201);
  const before = await enrolment(id);
  // The list arrives later, certifying them from before the payment day.
  await certify(id, '2024-09-01');
  t.same(await enrolment(id), before, 'the enrolment is untouched');
  const again = await pay('FIXED-1', body(id, 40000));
  t.equal(again.statusCode, 200);
  t.equal(again.json().applied, false);
  t.same(again.json().enrolment, first.json().enrolment, 'the same answer as when it was applied');
  const read = await app.inject({ method: 'GET', url: `/v1/enrolments/${id}/2025`, headers: lizi.headers });
  t.match(read.json(), { assistanceFen: 0, personalFen: 40000, identities: [] });
  t.match((await pay('FIXED-2', body(id, 4000))).json(), { status: 409, code: 'ALREADY_PAID' });
});

t.test('concurrent applications for a certified person: one applied, every answer the same amounts', async (t) => {
  const id = await person();
  await certify(id, '2024-10-01');
  // Eight sends of one payment and four other payments for the same year, all at once: whichever
  // payment gets there first is applied, its other sends answer the same, the rest are refused.
  const paymentIds = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? `RACE-OTHER-${i}` : 'RACE-1'));
  const answers = await Promise.all(paymentIds.map((paymentId) => pay(paymentId, body(id, 4000))));
  const applied = answers.filter((a) => a.statusCode === 201);
  t.equal(applied.length, 1, 'one application');
  const winner = paymentIds[answers.findIndex((a) => a.statusCode === 201)];
  const same = answers.filter((_, i) => paymentIds[i] === winner);
  t.same(
    same.map((a) => a.statusCode).sort(),
    [...Array(same.length - 1).fill(200), 201],
    'the same payment again: applied once',
  );
  for (const a of same) t.same(a.json().enrolment, applied[0]?.json().enrolment);
  const others = answers.filter((_, i) => paymentIds[i] !== winner);
  t.same(
    others.map((a) => a.json().code),
    others.map(() => 'ALREADY_PAID'),
    'other payments for the paid year are duplicates to refund',
  );
  t.match(await enrolment(id), { assistance_fen: 36000, personal_fen: 4000, payment_id: winner });
  const events = (
    await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', 'enrolment.paid').execute()
  ).filter((e) => (e.payload as { idNumber?: string }).idNumber === id);
  t.equal(events.length, 1, 'one event');
  t.match(events[0]?.payload, { assistanceFen: 36000, assistanceIdentity: 'subsistence-allowance' });
});
