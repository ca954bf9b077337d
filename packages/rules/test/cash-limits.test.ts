import fc from 'fast-check';
import t from 'tap';
import {
  addDays,
  BUILT_IN_POLICIES,
  type CashAlert,
  type CashLimits,
  type CashReceiptFacts,
  cashLimitsOf,
  cashPosition,
} from '../src/index.js';

// 000_9c4e2275e911b0e9.txt#附件3 item 5: "当天达10000元的当天缴，不到10000元的5天缴".
const LIMITS: CashLimits = { depositWithinDays: 5, sameDayDepositFen: 1_000_000, source: 'test' };

const receipt = (
  receiptNumber: string,
  yuan: number,
  receivedOn: string,
  depositedOn: string | null = null,
  times: Pick<CashReceiptFacts, 'receivedAt' | 'depositedAt'> = {},
): CashReceiptFacts => ({ receiptNumber, amountFen: yuan * 100, receivedOn, depositedOn, ...times });

const kinds = (alerts: CashAlert[]) => alerts.map((a) => a.kind);

t.test('the limits are the policy’s: cq-2024 states 5 days and 10,000 yuan, cq-2025 none', async (t) => {
  const cq2024 = BUILT_IN_POLICIES.find((p) => p.id === 'cq-2024');
  const cq2025 = BUILT_IN_POLICIES.find((p) => p.id === 'cq-2025');
  t.same(cashLimitsOf(cq2024!), {
    depositWithinDays: 5,
    sameDayDepositFen: 1_000_000,
    source: '000_9c4e2275e911b0e9.txt#附件3',
  });
  t.equal(cashLimitsOf(cq2025!), null, 'a notice without cash limits gives none; nothing is guessed');
});

t.test('cash reaching 10,000 yuan on a day is banked that day', async (t) => {
  const exactly = cashPosition(
    [receipt('A', 6000, '2024-01-10'), receipt('B', 4000, '2024-01-10')],
    '2024-01-10',
    LIMITS,
  );
  t.same(
    exactly.alerts,
    [{ kind: 'same-day-limit', since: '2024-01-10', receiptNumbers: ['A', 'B'] }],
    'reaching is enough',
  );
  t.equal(exactly.undepositedFen, 1_000_000);

  const under = cashPosition(
    [receipt('A', 6000, '2024-01-10'), receipt('B', 3999, '2024-01-10')],
    '2024-01-10',
    LIMITS,
  );
  t.same(under.alerts, [], 'one yuan short: the five days apply instead');

  const banked = cashPosition(
    [receipt('A', 6000, '2024-01-10', '2024-01-10'), receipt('B', 4000, '2024-01-10', '2024-01-10')],
    '2024-01-10',
    LIMITS,
  );
  t.same(banked, { undepositedFen: 0, oldestReceiptOn: null, alerts: [] }, 'banked the same day: nothing to say');

  const accumulated = cashPosition(
    [receipt('A', 6000, '2024-01-08'), receipt('B', 4000, '2024-01-09')],
    '2024-01-10',
    LIMITS,
  );
  t.same(
    accumulated.alerts,
    [{ kind: 'same-day-limit', since: '2024-01-09', receiptNumbers: ['A', 'B'] }],
    'held cash adds up across days: the day it reached the amount',
  );
});

t.test('part banked on the day the limit was reached: the rest is still due that day', async (t) => {
  const p = cashPosition(
    [receipt('A', 7000, '2024-01-10', '2024-01-10'), receipt('B', 5000, '2024-01-10')],
    '2024-01-11',
    LIMITS,
  );
  t.same(p.alerts, [{ kind: 'same-day-limit', since: '2024-01-10', receiptNumbers: ['B'] }]);
  t.equal(p.undepositedFen, 500_000);
});

t.test('banked in the morning, collected in the afternoon: the two never were on hand together', async (t) => {
  const facts = [
    receipt('A', 9000, '2024-01-09', '2024-01-10', {
      receivedAt: '2024-01-09T15:00:00+08:00',
      depositedAt: '2024-01-10T09:00:00+08:00',
    }),
    receipt('B', 2000, '2024-01-10', null, { receivedAt: '2024-01-10T14:00:00+08:00' }),
  ];
  t.same(cashPosition(facts, '2024-01-10', LIMITS).alerts, [], 'with times known: no alert');
  const untimed = facts.map(({ receivedAt: _r, depositedAt: _d, ...r }) => r);
  t.same(
    kinds(cashPosition(untimed, '2024-01-10', LIMITS).alerts),
    ['same-day-limit'],
    'without times the banked cash counts as held all day',
  );

  const afterwards = [
    { ...facts[0]!, depositedAt: '2024-01-10T16:00:00+08:00' },
    facts[1]!,
  ] satisfies CashReceiptFacts[];
  t.same(
    cashPosition(afterwards, '2024-01-10', LIMITS).alerts,
    [{ kind: 'same-day-limit', since: '2024-01-10', receiptNumbers: ['B'] }],
    'banked after the afternoon’s collection: 11,000 yuan were on hand, and B was kept',
  );
});

t.test('the five days: a receipt held six days is late, five days is not', async (t) => {
  const five = cashPosition([receipt('A', 100, '2024-01-10')], '2024-01-15', LIMITS);
  t.same(five.alerts, []);
  t.equal(five.oldestReceiptOn, '2024-01-10');
  const six = cashPosition([receipt('A', 100, '2024-01-10'), receipt('B', 50, '2024-01-12')], '2024-01-16', LIMITS);
  t.same(six.alerts, [{ kind: 'late-deposit', since: '2024-01-16', receiptNumbers: ['A'] }], 'the first late day');
  const banked = cashPosition([receipt('A', 100, '2024-01-10', '2024-01-17')], '2024-01-20', LIMITS);
  t.same(banked.alerts, [], 'banked late is past: only cash still held is judged');
});

t.test('what is not known on the day judged does not count', async (t) => {
  const p = cashPosition(
    [receipt('A', 100, '2024-01-10', '2024-01-20'), receipt('B', 20000, '2024-01-21')],
    '2024-01-16',
    LIMITS,
  );
  t.equal(p.undepositedFen, 10_000, 'a deposit after the day is not known: A is held; B not yet received');
  t.same(p.alerts, [{ kind: 'late-deposit', since: '2024-01-16', receiptNumbers: ['A'] }]);
  t.same(cashPosition([], '2024-01-16', LIMITS), { undepositedFen: 0, oldestReceiptOn: null, alerts: [] });
});

t.test('a deposit stamped before its receipt: that cash never counts as on hand', async (t) => {
  const p = cashPosition(
    [
      receipt('A', 9000, '2024-01-10', '2024-01-10', {
        receivedAt: '2024-01-10T12:00:00+08:00',
        depositedAt: '2024-01-10T08:00:00+08:00',
      }),
      receipt('B', 2000, '2024-01-10', null, { receivedAt: '2024-01-10T13:00:00+08:00' }),
    ],
    '2024-01-10',
    LIMITS,
  );
  t.same(kinds(p.alerts), [], 'A was banked as it came; B alone is under the amount');
});

// ---- Properties --------------------------------------------------------------------------------

/** The day-level reading, day by day over every day: cash banked on a day counts as held that day. */
function dayLevelAlert(receipts: readonly CashReceiptFacts[], on: string, limits: CashLimits): CashAlert | null {
  const known = receipts
    .filter((r) => r.receivedOn <= on)
    .map((r) => ({ ...r, depositedOn: r.depositedOn !== null && r.depositedOn <= on ? r.depositedOn : null }));
  const held = new Set(known.filter((r) => r.depositedOn === null).map((r) => r.receiptNumber));
  const days = known.map((r) => r.receivedOn).sort();
  let alert: CashAlert | null = null;
  for (let day = days[0]; day !== undefined && day <= on; day = addDays(day, 1)) {
    const onHand = known.filter((r) => r.receivedOn <= day && (r.depositedOn === null || r.depositedOn >= day));
    if (onHand.reduce((s, r) => s + r.amountFen, 0) < limits.sameDayDepositFen) continue;
    const late = onHand.filter((r) => held.has(r.receiptNumber)).map((r) => r.receiptNumber);
    if (late.length === 0) continue;
    alert ??= { kind: 'same-day-limit', since: day, receiptNumbers: [] };
    alert.receiptNumbers = [...new Set([...alert.receiptNumbers, ...late])].sort();
  }
  return alert;
}

const DAY0 = '2024-01-01';
const arbLedger = fc
  .array(
    fc.record({
      yuan: fc.integer({ min: 1, max: 6000 }),
      day: fc.integer({ min: 0, max: 12 }),
      bankedAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
      inMinute: fc.integer({ min: 0, max: 1439 }),
      outMinute: fc.integer({ min: 0, max: 1439 }),
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, i) => {
      const receivedOn = addDays(DAY0, r.day);
      const depositedOn = r.bankedAfter === null ? null : addDays(receivedOn, r.bankedAfter);
      const at = (day: string, minute: number) =>
        new Date(Date.parse(`${day}T00:00:00+08:00`) + minute * 60_000).toISOString();
      const outMinute = r.bankedAfter === 0 ? Math.max(r.inMinute, r.outMinute) : r.outMinute;
      return {
        untimed: receipt(`R${String(i).padStart(2, '0')}`, r.yuan, receivedOn, depositedOn),
        timed: receipt(`R${String(i).padStart(2, '0')}`, r.yuan, receivedOn, depositedOn, {
          receivedAt: at(receivedOn, r.inMinute),
          depositedAt: depositedOn === null ? null : at(depositedOn, outMinute),
        }),
      };
    }),
  );
const arbOn = fc.integer({ min: 0, max: 20 }).map((d) => addDays(DAY0, d));

t.test('without times, the same-day limit is the day-by-day reading of the notice', async () => {
  fc.assert(
    fc.property(arbLedger, arbOn, (ledger, on) => {
      const receipts = ledger.map((l) => l.untimed);
      const got = cashPosition(receipts, on, LIMITS).alerts.find((a) => a.kind === 'same-day-limit') ?? null;
      const want = dayLevelAlert(receipts, on, LIMITS);
      if (JSON.stringify(got) !== JSON.stringify(want))
        throw new Error(`${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }),
    { numRuns: 400 },
  );
});

t.test('knowing the times can only clear a same-day alert, never raise one', async () => {
  fc.assert(
    fc.property(arbLedger, arbOn, (ledger, on) => {
      const coarse = cashPosition(
        ledger.map((l) => l.untimed),
        on,
        LIMITS,
      ).alerts.find((a) => a.kind === 'same-day-limit');
      const fine = cashPosition(
        ledger.map((l) => l.timed),
        on,
        LIMITS,
      ).alerts.find((a) => a.kind === 'same-day-limit');
      if (!fine) return;
      if (!coarse || fine.since < coarse.since || fine.receiptNumbers.some((n) => !coarse.receiptNumbers.includes(n)))
        throw new Error(`timed ${JSON.stringify(fine)} beyond untimed ${JSON.stringify(coarse)}`);
    }),
    { numRuns: 400 },
  );
});

t.test('every alert names only cash still held, and banking everything on the day clears every alert', async () => {
  fc.assert(
    fc.property(arbLedger, arbOn, (ledger, on) => {
      const receipts = ledger.map((l) => l.timed);
      const position = cashPosition(receipts, on, LIMITS);
      const held = receipts.filter((r) => r.receivedOn <= on && (r.depositedOn === null || r.depositedOn > on));
      if (position.undepositedFen !== held.reduce((s, r) => s + r.amountFen, 0)) throw new Error('undeposited sum');
      const heldNumbers = new Set(held.map((r) => r.receiptNumber));
      for (const a of position.alerts)
        if (a.receiptNumbers.some((n) => !heldNumbers.has(n))) throw new Error(`${a.kind} names banked cash`);
      const allBanked = receipts.map((r) =>
        r.receivedOn <= on && (r.depositedOn === null || r.depositedOn > on)
          ? { ...r, depositedOn: on, depositedAt: null }
          : r,
      );
      if (cashPosition(allBanked, on, LIMITS).alerts.length > 0) throw new Error('alerts once all is banked');
    }),
    { numRuns: 400 },
  );
});
