import t from 'tap';
import { checkRows, policy, q, type Row, withOperatorData } from './helpers.js';

// Every period boundary of every notice: the day before, of and after each date.

const cq2023 = policy('cq-2023');
const cq2024 = policy('cq-2024');
const cq2025 = policy('cq-2025');
const xiaoyi = policy('xiaoyi-2024');

const CLOSED = { code: 'ENROLLMENT_CLOSED' };
const NO_SUBSIDY_AMOUNT = { code: 'POLICY_INCOMPLETE', missing: ['fiscalSubsidyPerCapitaFen'] };

t.test('cq-2023: concentrated period, Jan-Feb, 90 days, subsidy cut-off, last day', async (t) => {
  const rows: Row[] = [
    { clause: '002#三(一)', doc: cq2023, request: { paidOn: '2022-10-24' }, expect: CLOSED },
    {
      clause: '002#三(一)',
      doc: cq2023,
      request: { paidOn: '2022-10-25' },
      expect: { benefitStart: '2023-01-01', benefitEnd: '2023-12-31', waitingDays: 0, personalFen: 35000 },
    },
    { clause: '002#三(一)', doc: cq2023, request: { paidOn: '2022-10-26' }, expect: { benefitStart: '2023-01-01' } },
    { clause: '002#三(一)', doc: cq2023, request: { paidOn: '2022-12-30' }, expect: { benefitStart: '2023-01-01' } },
    {
      clause: '002#三(三)',
      doc: cq2023,
      request: { paidOn: '2022-12-31', tier: 2 },
      expect: { benefitStart: '2023-01-01', waitingDays: 0, personalFen: 72500 },
    },
    {
      clause: '002#三(三)',
      doc: cq2023,
      request: { paidOn: '2023-01-01' },
      expect: { benefitStart: '2023-02-01', waitingDays: 31 },
    },
    {
      clause: '002#三(三)',
      doc: cq2023,
      request: { paidOn: '2023-02-27' },
      expect: { benefitStart: '2023-03-01', waitingDays: 2 },
    },
    {
      clause: '002#三(三)',
      doc: cq2023,
      request: { paidOn: '2023-02-28' },
      expect: { benefitStart: '2023-03-01', waitingDays: 1 },
    },
    {
      clause: '002#三(三)',
      doc: cq2023,
      request: { paidOn: '2023-03-01' },
      expect: { benefitStart: '2023-05-30', waitingDays: 90, personalFen: 35000 },
    },
    {
      clause: '002#三(一)',
      doc: cq2023,
      request: { paidOn: '2023-06-29' },
      expect: { fiscalSubsidyFen: 0, personalFen: 35000 },
    },
    {
      clause: '002#三(一)',
      doc: cq2023,
      request: { paidOn: '2023-06-30' },
      expect: { fiscalSubsidyFen: 0, benefitStart: '2023-09-28' },
    },
    { clause: '002#二(三)', doc: cq2023, request: { paidOn: '2023-07-01' }, expect: NO_SUBSIDY_AMOUNT },
    { clause: '002#三(一)', doc: cq2023, request: { paidOn: '2023-09-30' }, expect: NO_SUBSIDY_AMOUNT },
    { clause: '002#三(一)', doc: cq2023, request: { paidOn: '2023-10-01' }, expect: CLOSED },
  ];
  checkRows(t, rows);
});

t.test('cq-2023 with a fiscal subsidy loaded by an operator: the last payment day', async (t) => {
  const loaded = withOperatorData('cq-2023', (doc) => {
    doc.fiscalSubsidyPerCapitaFen = { value: 61000, source: 'operator-2023.txt#财政补助' };
  });
  checkRows(t, [
    {
      clause: '002#三(一)',
      doc: loaded,
      request: { paidOn: '2023-07-01' },
      expect: { fiscalSubsidyFen: 61000, personalFen: 96000, benefitStart: '2023-09-29', waitingDays: 90 },
    },
    {
      clause: '002#三(一)',
      doc: loaded,
      request: { paidOn: '2023-09-29' },
      expect: { benefitStart: '2023-12-28', personalFen: 96000 },
    },
    { clause: '002#三(一)', doc: loaded, request: { paidOn: '2023-09-30' }, expect: { benefitStart: '2023-12-29' } },
    { clause: '002#三(一)', doc: loaded, request: { paidOn: '2023-10-01' }, expect: CLOSED },
  ]);
});

t.test('cq-2024: period opens on the notice date; leap February; cut-off on 1 July', async (t) => {
  const rows: Row[] = [
    { clause: '000#五(一)', doc: cq2024, request: { paidOn: '2023-11-13' }, expect: CLOSED },
    {
      clause: '000#五(一)',
      doc: cq2024,
      request: { paidOn: '2023-11-14' },
      expect: { benefitStart: '2024-01-01', benefitEnd: '2024-12-31', personalFen: 38000 },
    },
    { clause: '000#五(一)', doc: cq2024, request: { paidOn: '2023-11-15' }, expect: { benefitStart: '2024-01-01' } },
    { clause: '000#五(一)', doc: cq2024, request: { paidOn: '2023-12-30' }, expect: { benefitStart: '2024-01-01' } },
    {
      clause: '000#五(一)',
      doc: cq2024,
      request: { paidOn: '2023-12-31', tier: 2 },
      expect: { benefitStart: '2024-01-01', waitingDays: 0, personalFen: 75500 },
    },
    {
      clause: '000#五(三)',
      doc: cq2024,
      request: { paidOn: '2024-01-01' },
      expect: { benefitStart: '2024-02-01', waitingDays: 31 },
    },
    {
      clause: '000#五(三)',
      doc: cq2024,
      request: { paidOn: '2024-02-28' },
      expect: { benefitStart: '2024-03-01', waitingDays: 2 },
    },
    {
      clause: '000#五(三) leap day',
      doc: cq2024,
      request: { paidOn: '2024-02-29' },
      expect: { benefitStart: '2024-03-01', waitingDays: 1, personalFen: 38000 },
    },
    {
      clause: '000#五(三)',
      doc: cq2024,
      request: { paidOn: '2024-03-01' },
      expect: { benefitStart: '2024-05-30', waitingDays: 90 },
    },
    {
      clause: '000#五(三)',
      doc: cq2024,
      request: { paidOn: '2024-03-02' },
      expect: { benefitStart: '2024-05-31', waitingDays: 90 },
    },
    {
      clause: '000#三',
      doc: cq2024,
      request: { paidOn: '2024-06-29' },
      expect: { fiscalSubsidyFen: 0, personalFen: 38000 },
    },
    {
      clause: '000#三',
      doc: cq2024,
      request: { paidOn: '2024-06-30' },
      expect: { fiscalSubsidyFen: 0, personalFen: 38000, benefitStart: '2024-09-28' },
    },
    {
      clause: '000#三 + 003#四(二)',
      doc: cq2024,
      request: { paidOn: '2024-07-01' },
      expect: { standardFen: 38000, fiscalSubsidyFen: 67000, personalFen: 105000, benefitStart: '2024-09-29' },
    },
    {
      clause: '000#三 + 003#四(二)',
      doc: cq2024,
      request: { paidOn: '2024-07-02', tier: 2 },
      expect: { standardFen: 75500, fiscalSubsidyFen: 67000, personalFen: 142500 },
    },
    {
      clause: '000#五(三)',
      doc: cq2024,
      request: { paidOn: '2024-09-29' },
      expect: { benefitStart: '2024-12-28', personalFen: 105000 },
    },
    { clause: '000#五(三)', doc: cq2024, request: { paidOn: '2024-09-30' }, expect: { benefitStart: '2024-12-29' } },
    { clause: '000#五(三)', doc: cq2024, request: { paidOn: '2024-10-01' }, expect: CLOSED },
  ];
  checkRows(t, rows);
});

t.test('cq-2024: groups without a waiting period (000#六)', async (t) => {
  // Annex 1 (amounts) is not in the seed: an operator loads it before identities can be quoted.
  const loaded = withOperatorData('cq-2024', (doc) => {
    doc.assistance = {
      source: 'operator-annex1.txt#1',
      rows: [
        { identities: ['subsistence-allowance'], tier1Fen: 34200, tier2Fen: 38000, source: 'operator-annex1.txt#1' },
        { identities: ['stable-out-of-poverty'], tier1Fen: 5000, tier2Fen: 5000, source: 'operator-annex1.txt#2' },
      ],
    };
  });
  checkRows(t, [
    {
      clause: '000#六 (not yet in the Jul-Dec window)',
      doc: loaded,
      request: { paidOn: '2024-06-30', identities: ['低保对象'] },
      expect: { benefitStart: '2024-09-28', waitingDays: 90, personalFen: 3800 },
    },
    {
      clause: '000#六',
      doc: loaded,
      request: { paidOn: '2024-07-01', identities: ['低保对象'] },
      expect: {
        benefitStart: '2024-07-01',
        waitingDays: 0,
        fiscalSubsidyFen: 0,
        assistanceFen: 34200,
        personalFen: 3800,
      },
    },
    {
      clause: '000#六 (after the general last day)',
      doc: loaded,
      request: { paidOn: '2024-10-01', identities: ['低保对象'] },
      expect: { benefitStart: '2024-10-01', waitingDays: 0, personalFen: 3800 },
    },
    {
      clause: '000#六',
      doc: loaded,
      request: { paidOn: '2024-12-31', identities: ['subsistence-allowance'] },
      expect: { benefitStart: '2024-12-31', benefitEnd: '2024-12-31' },
    },
    {
      clause: '000#六 (脱贫人口 all year)',
      doc: loaded,
      request: { paidOn: '2024-03-05', identities: ['稳定脱贫人口'] },
      expect: { benefitStart: '2024-03-05', waitingDays: 0, personalFen: 33000 },
    },
    {
      clause: '000#六 (脱贫人口 after 1 July still pays the fiscal part)',
      doc: loaded,
      request: { paidOn: '2024-07-05', identities: ['稳定脱贫人口'] },
      expect: { benefitStart: '2024-07-05', fiscalSubsidyFen: 67000, personalFen: 100000 },
    },
    {
      clause: '000#五(三) (no exemption after 30 Sep)',
      doc: loaded,
      request: { paidOn: '2024-10-01', identities: ['稳定脱贫人口'] },
      expect: CLOSED,
    },
  ]);
  checkRows(t, [
    {
      clause: '000#六 (annex 1 missing)',
      doc: cq2024,
      request: { paidOn: '2024-07-01', identities: ['低保对象'] },
      expect: { code: 'POLICY_INCOMPLETE', missing: ['assistance'] },
    },
  ]);
});

t.test('cq-2025: longer of the window rule (003#六) and continuity (003#七)', async (t) => {
  const continuous = { lastEnrolledYear: 2024 };
  const rows: Row[] = [
    { clause: '003#三', doc: cq2025, request: { paidOn: '2024-09-13', ...continuous }, expect: CLOSED },
    {
      clause: '003#三',
      doc: cq2025,
      request: { paidOn: '2024-09-14', ...continuous },
      expect: { benefitStart: '2025-01-01', benefitEnd: '2025-12-31', waitingDays: 0, personalFen: 40000 },
    },
    {
      clause: '003#三',
      doc: cq2025,
      request: { paidOn: '2024-09-15', ...continuous },
      expect: { benefitStart: '2025-01-01' },
    },
    {
      clause: '003#三',
      doc: cq2025,
      request: { paidOn: '2024-12-30', ...continuous },
      expect: { benefitStart: '2025-01-01' },
    },
    {
      clause: '003#六',
      doc: cq2025,
      request: { paidOn: '2024-12-31', tier: 2, ...continuous },
      expect: { benefitStart: '2025-01-01', waitingDays: 0, personalFen: 77500 },
    },
    {
      clause: '003#六 + 003#七 (3 months beat the 1st of next month)',
      doc: cq2025,
      request: { paidOn: '2025-01-01', ...continuous },
      expect: { benefitStart: '2025-04-01', waitingDays: 90, personalFen: 40000 },
    },
    {
      clause: '003#七 (month end)',
      doc: cq2025,
      request: { paidOn: '2025-01-31', ...continuous },
      expect: { benefitStart: '2025-04-30', waitingDays: 89 },
    },
    {
      clause: '003#六 + 003#七',
      doc: cq2025,
      request: { paidOn: '2025-02-27', ...continuous },
      expect: { benefitStart: '2025-05-27' },
    },
    {
      clause: '003#六 + 003#七',
      doc: cq2025,
      request: { paidOn: '2025-02-28', ...continuous },
      expect: { benefitStart: '2025-05-28', waitingDays: 89, personalFen: 40000 },
    },
    {
      clause: '003#六 + 003#七 (90 days = 05-30, 3 months = 06-01)',
      doc: cq2025,
      request: { paidOn: '2025-03-01', ...continuous },
      expect: { benefitStart: '2025-06-01', waitingDays: 92 },
    },
    {
      clause: '003#六',
      doc: cq2025,
      request: { paidOn: '2025-06-29', ...continuous },
      expect: { fiscalSubsidyFen: 0, personalFen: 40000 },
    },
    {
      clause: '003#六',
      doc: cq2025,
      request: { paidOn: '2025-06-30', ...continuous },
      expect: { fiscalSubsidyFen: 0, personalFen: 40000, benefitStart: '2025-09-30' },
    },
    { clause: '003#四(二)', doc: cq2025, request: { paidOn: '2025-07-01', ...continuous }, expect: NO_SUBSIDY_AMOUNT },
    { clause: '003#三', doc: cq2025, request: { paidOn: '2025-10-01', ...continuous }, expect: CLOSED },
  ];
  checkRows(t, rows);
});

t.test('cq-2025: gap years add months; absent lastEnrolledYear counts as continuous', async (t) => {
  const rows: Row[] = [
    {
      clause: '003#七 (no gap)',
      doc: cq2025,
      request: { paidOn: '2024-10-15', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2025-01-01', waitingDays: 0 },
    },
    {
      clause: '003#七 (unknown gap)',
      doc: cq2025,
      request: { paidOn: '2024-10-15' },
      expect: { benefitStart: '2025-01-01', waitingDays: 0 },
    },
    {
      clause: '003#七 (1 gap year: fixed 3 months)',
      doc: cq2025,
      request: { paidOn: '2024-10-15', lastEnrolledYear: 2023 },
      expect: { benefitStart: '2025-01-15', waitingDays: 92 },
    },
    {
      clause: '003#七 (2 gap years: 4 months)',
      doc: cq2025,
      request: { paidOn: '2024-10-15', lastEnrolledYear: 2022 },
      expect: { benefitStart: '2025-02-15', waitingDays: 123 },
    },
    {
      clause: '003#七 (4 gap years: 6 months)',
      doc: cq2025,
      request: { paidOn: '2024-10-15', lastEnrolledYear: 2020 },
      expect: { benefitStart: '2025-04-15' },
    },
    {
      clause: '003#七 (paid in September with 1 gap year: the wait passes before January)',
      doc: cq2025,
      request: { paidOn: '2024-09-20', lastEnrolledYear: 2023 },
      expect: { benefitStart: '2025-01-01', waitingDays: 0 },
    },
    {
      clause: '003#六 + 003#七 (late and 2 gap years)',
      doc: cq2025,
      request: { paidOn: '2025-03-10', lastEnrolledYear: 2022 },
      expect: { benefitStart: '2025-07-10', waitingDays: 122 },
    },
    {
      clause: '003#六 + 003#七 (late, unknown gap)',
      doc: cq2025,
      request: { paidOn: '2025-03-10' },
      expect: { benefitStart: '2025-06-10', waitingDays: 92 },
    },
  ];
  checkRows(t, rows);

  const loaded = withOperatorData('cq-2025', (doc) => {
    doc.fiscalSubsidyPerCapitaFen = { value: 70000, source: 'operator-2025.txt#财政补助' };
  });
  checkRows(t, [
    {
      clause: '003#三 + 003#六 (full price after the cut-off)',
      doc: loaded,
      request: { paidOn: '2025-07-01', lastEnrolledYear: 2024 },
      expect: { fiscalSubsidyFen: 70000, personalFen: 110000, benefitStart: '2025-10-01', waitingDays: 92 },
    },
    {
      clause: '003#三',
      doc: loaded,
      request: { paidOn: '2025-09-29', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2025-12-29' },
    },
    {
      clause: '003#三',
      doc: loaded,
      request: { paidOn: '2025-09-30', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2025-12-30', personalFen: 110000 },
    },
    {
      clause: '003#七 (the wait would end after Dec 31)',
      doc: loaded,
      request: { paidOn: '2025-09-30', lastEnrolledYear: 2022 },
      expect: CLOSED,
    },
    { clause: '003#三', doc: loaded, request: { paidOn: '2025-10-01', lastEnrolledYear: 2024 }, expect: CLOSED },
  ]);
});

t.test('xiaoyi-2024: concentrated period, days 1-25, single tier, no late terms', async (t) => {
  const rows: Row[] = [
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-08-31' }, expect: CLOSED },
    {
      clause: '004#4',
      doc: xiaoyi,
      request: { paidOn: '2023-09-01' },
      expect: { benefitStart: '2024-01-01', benefitEnd: '2024-12-31', personalFen: 38000, waitingDays: 0 },
    },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-10-24' }, expect: { personalFen: 38000 } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-10-25' }, expect: { personalFen: 38000 } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-10-26' }, expect: { code: 'OUTSIDE_PAYMENT_DAYS' } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-11-01' }, expect: { personalFen: 38000 } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-12-25' }, expect: { personalFen: 38000 } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-12-26' }, expect: { code: 'OUTSIDE_PAYMENT_DAYS' } },
    { clause: '004#4', doc: xiaoyi, request: { paidOn: '2023-12-31' }, expect: { code: 'OUTSIDE_PAYMENT_DAYS' } },
    {
      clause: '004#5 (late payment terms not stated)',
      doc: xiaoyi,
      request: { paidOn: '2024-01-01' },
      expect: { code: 'POLICY_INCOMPLETE', missing: ['periods.lastPaymentDay', 'periods.lateWindows'] },
    },
    { clause: '004#3', doc: xiaoyi, request: { paidOn: '2023-10-10', tier: 2 }, expect: { code: 'TIER_NOT_OFFERED' } },
    { clause: '004#3', doc: xiaoyi, request: { paidOn: '2023-10-10', tier: 1 }, expect: { standardFen: 38000 } },
  ];
  checkRows(t, rows);
});

t.test('joining after employee insurance stops (002#四(三), 004#4)', async (t) => {
  checkRows(t, [
    {
      clause: '002#四(三) (within 3 months)',
      doc: cq2023,
      request: { paidOn: '2023-04-01', employeeInsuranceEndedOn: '2023-01-01' },
      expect: { benefitStart: '2023-04-01', waitingDays: 0 },
    },
    {
      clause: '002#四(三) (3 months and a day)',
      doc: cq2023,
      request: { paidOn: '2023-04-01', employeeInsuranceEndedOn: '2022-12-31' },
      expect: { benefitStart: '2023-06-30', waitingDays: 90 },
    },
    {
      clause: '004#4 (day 90, any time of year)',
      doc: xiaoyi,
      request: { paidOn: '2024-05-30', employeeInsuranceEndedOn: '2024-03-01' },
      expect: { benefitStart: '2024-05-30', waitingDays: 0, personalFen: 38000 },
    },
    {
      clause: '004#4 (any day of the month)',
      doc: xiaoyi,
      request: { paidOn: '2024-05-28', employeeInsuranceEndedOn: '2024-05-01' },
      expect: { benefitStart: '2024-05-28' },
    },
    {
      clause: '004#4 (day 91)',
      doc: xiaoyi,
      request: { paidOn: '2024-05-31', employeeInsuranceEndedOn: '2024-03-01' },
      expect: { code: 'POLICY_INCOMPLETE', missing: ['periods.lastPaymentDay', 'periods.lateWindows'] },
    },
  ]);
});

t.test('002#四(三): low-income and poverty-alleviated people have no waiting period', async (t) => {
  checkRows(t, [
    {
      clause: '002#四(三)',
      doc: cq2023,
      request: { paidOn: '2023-03-10', identities: ['城乡低保对象'] },
      expect: { benefitStart: '2023-03-10', waitingDays: 0, assistanceFen: 31500, personalFen: 3500 },
    },
    {
      clause: '002#四(三)',
      doc: cq2023,
      request: { paidOn: '2023-01-15', identities: ['稳定脱贫人口'] },
      expect: { benefitStart: '2023-01-15', waitingDays: 0, personalFen: 30000 },
    },
    {
      clause: '002#四(三) (not a listed group)',
      doc: cq2023,
      request: { paidOn: '2023-03-10', identities: ['在乡老复员军人'], tier: 2 },
      expect: { benefitStart: '2023-06-08', waitingDays: 90, personalFen: 0 },
    },
  ]);
});

t.test('every answer explains itself with clauses of its own notice or one it cites', async (t) => {
  const pattern = /^(000_9c4e2275e911b0e9|002_760418c3a3365474|003_01f4ef08c34ea7cb|004_03b4a5a3926dacf5)\.txt#\S+$/;
  for (const [doc, paidOn] of [
    [cq2023, '2023-03-10'],
    [cq2024, '2024-07-01'],
    [cq2025, '2025-03-10'],
    [xiaoyi, '2023-10-10'],
  ] as const) {
    const r = q(doc, { paidOn, identities: doc.assistance ? ['特困人员'] : [] });
    t.ok(r.ok, `${doc.id} quotes on ${paidOn}`);
    if (!r.ok) continue;
    t.ok(r.quote.reasons.length >= 2, `${doc.id} gives reasons`);
    t.ok(
      r.quote.reasons.every((reason) => pattern.test(reason.source) && reason.text.length > 0),
      `${doc.id} cites every reason as <seed file>#<section>`,
    );
  }
});
