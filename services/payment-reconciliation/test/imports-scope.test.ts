import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { enrol, paymentsOf, postImport, setupImports } from './fixtures/imports-setup.js';
import { idNumbers, taxCsv, V } from './fixtures/tax-export.js';

// contracts/payments.md "Importing exports": who may import, and which rows. A row's place is the
// person's enrolment of the year (enrollment.v_enrollment_facts), else the export's 统筹地区; an
// operator's rows must lie in its region. A person with neither is kept, parked.

const { app, db, admin } = await setupImports(t);
const person = idNumbers(9000);
// 社坛镇 (500230102): 德盛村 and 平安村 are its villages; 南江村 is in 栗子乡 (500230209).
const shetan = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
const lizi = await createTestKey(db, 'township-operator', { regionCode: '500230209' });

t.test('a township operator records rows of its township; rows of another are OUT_OF_SCOPE', async (t) => {
  const [home, away, enrolledAway, nowhere] = [person(), person(), person(), person()];
  // Enrolled in 南江村: the export's 统筹地区 does not move the person into the township.
  await enrol(db, enrolledAway, V.nanjiang);
  const res = await postImport(
    app,
    shetan,
    taxCsv([
      {
        voucher: '420250100000000001',
        paidAt: '2025-01-10 09:00:00',
        idNumber: home,
        amount: '400',
        region: V.desheng,
      },
      {
        voucher: '420250100000000002',
        paidAt: '2025-01-10 09:00:00',
        idNumber: away,
        amount: '400',
        region: V.nanjiang,
      },
      {
        voucher: '420250100000000003',
        paidAt: '2025-01-10 09:00:00',
        idNumber: enrolledAway,
        amount: '400',
        region: V.desheng,
      },
      { voucher: '420250100000000004', paidAt: '2025-01-10 09:00:00', idNumber: nowhere, amount: '400' },
    ]),
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { new: 1, errors: 3 });
  t.match(res.json().errors, [
    {
      line: 3,
      column: '统筹地区',
      code: 'OUT_OF_SCOPE',
      message: /统筹地区 500230209200, outside the region 500230102/,
    },
    { line: 4, column: '证件号码', code: 'OUT_OF_SCOPE', message: /enrolled in 500230209200/ },
    {
      line: 5,
      column: '证件号码',
      code: 'OUT_OF_SCOPE',
      message: /no enrolment this year and the row names no 统筹地区/,
    },
  ]);
  t.same(
    (await paymentsOf(db)).filter((p) => p.voucher_number.startsWith('4202501')).map((p) => p.voucher_number),
    ['420250100000000001'],
  );

  t.test('another township’s operator cannot read the import', async (t) => {
    const res2 = await app.inject({
      method: 'GET',
      url: `/v1/payment-imports/${res.json().importId}`,
      headers: lizi.headers,
    });
    t.equal(res2.statusCode, 403);
    t.equal(res2.json().code, 'OUT_OF_SCOPE');
    const own = await app.inject({
      method: 'GET',
      url: `/v1/payment-imports/${res.json().importId}`,
      headers: shetan.headers,
    });
    t.equal(own.statusCode, 200);
  });
});

t.test('the enrolment of the year gives a payment its village; without one nor a village it is parked', async (t) => {
  const [enrolled, stranger, coded] = [person(), person(), person()];
  await enrol(db, enrolled, V.pingan);
  await enrol(db, stranger, V.pingan, 2024);
  const res = await postImport(
    app,
    admin,
    taxCsv([
      { voucher: '420250200000000001', paidAt: '2025-02-10 09:00:00', idNumber: enrolled, amount: '400' },
      { voucher: '420250200000000002', paidAt: '2025-02-10 09:00:00', idNumber: stranger, amount: '400' },
      {
        voucher: '420250200000000003',
        paidAt: '2025-02-10 09:00:00',
        idNumber: coded,
        amount: '400',
        region: V.nanjiang,
      },
      {
        voucher: '420250200000000004',
        paidAt: '2025-02-10 09:00:00',
        idNumber: stranger,
        amount: '400',
        region: '500230',
      },
    ]),
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { new: 4, parked: 2, errors: 0 });
  const byVoucher = new Map((await paymentsOf(db)).map((p) => [p.voucher_number, p]));
  t.match(byVoucher.get('420250200000000001'), { village_code: V.pingan, status: 'recorded', problem_code: null });
  t.match(byVoucher.get('420250200000000002'), {
    village_code: null,
    status: 'parked',
    problem_code: 'PERSON_NOT_FOUND',
  });
  t.match(byVoucher.get('420250200000000003'), { village_code: V.nanjiang, status: 'recorded' });
  // A county code is a region, not a village: in a county operator's scope, still parked.
  t.match(byVoucher.get('420250200000000004'), { village_code: null, status: 'parked' });
});

t.test('a county operator may import a county-coded row of a stranger; it is parked, not refused', async (t) => {
  const county = await createTestKey(db, 'county-operator', { regionCode: '500230' });
  const res = await postImport(
    app,
    county,
    taxCsv([
      {
        voucher: '420250300000000001',
        paidAt: '2025-03-10 09:00:00',
        idNumber: person(),
        amount: '400',
        region: '500230',
      },
    ]),
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { new: 1, parked: 1, errors: 0 });
});

t.test('who may import: operators, the tax department’s feed, admin', async (t) => {
  const file = taxCsv([
    {
      voucher: '420250400000000001',
      paidAt: '2025-04-10 09:00:00',
      idNumber: person(),
      amount: '400',
      region: V.desheng,
    },
  ]);
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const refused = await postImport(app, civil, file);
  t.equal(refused.statusCode, 403);
  t.equal(refused.json().code, 'OUT_OF_SCOPE');
  const collector = await createTestKey(db, 'collector', { regionCode: V.desheng });
  const forbidden = await postImport(app, collector, file);
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().code, 'FORBIDDEN_ROLE');
  const anyTax = await createTestKey(db, 'department-feed', { department: 'tax' });
  const ok = await postImport(app, anyTax, file);
  t.equal(ok.statusCode, 201, ok.body);
  const nobody = await app.inject({ method: 'POST', url: '/v1/payment-imports?source=tax&year=2025', payload: file });
  t.equal(nobody.statusCode, 401);
});
