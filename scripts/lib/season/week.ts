// One week of the season: collectors' payments (many at once), cash receipts with both signatures
// and the deposits that fall due (some late), the tax bureau's export (its 冲正 rows and repeated
// lines), the deaths the health department reports; then, once the services have settled, the
// week's reconciliation run, the township rankings and a snapshot.
import { encodeAs } from '@rmi/ingest';
import { call, eachLimited, graphql, settle } from './api.js';
import type { SeasonContext } from './context.js';
import { YEAR } from './context.js';
import { type CashPlan, CLASSES, ranking, type SentPayment, stateAfter } from './ledger.js';
import { addDays, weekEnd } from './plan.js';
import { csv } from './setup.js';

/** How long the services may take to take in a week (a million persons' week takes minutes). */
const SETTLE_MS = Number(process.env.SEASON_SETTLE_MS ?? 600_000);

const TAX_HEADER = [
  '电子税票号码',
  '缴费时间',
  '费款所属期起',
  '费款所属期止',
  '证件号码',
  '姓名',
  '个人缴费金额(元)',
  '资助金额（元）',
  '合计',
  '作废标志',
  '原税票号码',
  '税务机关代码',
];

const yuan = (fen: number) =>
  `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
const wall = (instant: string) => `${instant.slice(0, 10)} ${instant.slice(11, 19)}`;

export interface WeekInput {
  week: number;
  payments: SentPayment[];
  cash: CashPlan;
  /** The previous week's tax lines, some of which the bureau's export repeats. */
  previousTaxLines: string[][];
}

export async function runWeek(ctx: SeasonContext, input: WeekInput): Promise<string[][]> {
  const { week } = input;
  const label = `week ${week + 1}/${ctx.plan.weeks} (${weekEnd(week).slice(5)})`;
  const now = input.payments.filter((p) => p.week === week);
  const requests = now.filter((p) => !['tax', 'cash', 'assistance'].includes(p.channel));
  const receipts = now.filter((p) => p.channel === 'cash');
  const deposits = input.cash.deposits.filter((d) => d.week === week);

  const begun = Date.now();
  ctx.progress.start(`${label} payments`, requests.length + receipts.length + deposits.length);
  await eachLimited(requests, 24, async (p) => {
    await call('POST', `${ctx.urls['payment-reconciliation']}/v1/payments`, {
      key: ctx.keys.collectors.get(p.person.village)?.key,
      body: {
        channel: p.channel,
        voucherNumber: p.voucher,
        idNumber: p.person.idNumber,
        year: YEAR,
        tier: p.person.tier,
        amountFen: p.amountFen,
        paidAt: p.paidAt,
      },
    });
    ctx.progress.tick();
  });
  if (week === 0 && receipts[0]) {
    // A receipt the collector forgot to sign is refused, naming the signature.
    const r = receipts[0];
    const refused = await call<{ code?: string }>('POST', `${ctx.urls['payment-reconciliation']}/v1/cash-receipts`, {
      key: ctx.keys.collectors.get(r.person.village)?.key,
      body: receiptBody(r, false),
      accept: [422],
    });
    ctx.expect('现金', '缺签名收据', 'SIGNATURE_MISSING', refused.body.code);
  }
  await eachLimited(receipts, 16, async (r) => {
    await call('POST', `${ctx.urls['payment-reconciliation']}/v1/cash-receipts`, {
      key: ctx.keys.collectors.get(r.person.village)?.key,
      body: receiptBody(r, true),
    });
    ctx.progress.tick();
  });
  await eachLimited(deposits, 8, async (d) => {
    await call('POST', `${ctx.urls['payment-reconciliation']}/v1/cash-deposits`, {
      key: ctx.keys.collectors.get(d.village)?.key,
      body: {
        bankSlipNumber: `YH-${ctx.plan.seed}-${d.village}-${d.day}`,
        depositedAt: `${d.day}T15:30:00+08:00`,
        amountFen: d.receipts.reduce((a, r) => a + r.amountFen, 0),
        receiptNumbers: d.receipts.map((r) => r.voucher),
      },
    });
    ctx.progress.tick();
  });
  ctx.progress.done();
  ctx.lap(`week ${week + 1} payments`, (Date.now() - begun) / 1000);

  let mark = Date.now();
  const lap = (step: string) => {
    ctx.lap(`week ${week + 1} ${step}`, (Date.now() - mark) / 1000);
    mark = Date.now();
  };
  const lines = await importTaxExport(ctx, input, label);
  await importAssistanceBatch(ctx, input, label);
  if (week === ctx.plan.deathsWeek) await reportDeaths(ctx, label);
  lap('imports and deaths');
  await settleWeek(ctx, label, week);
  mark = Date.now();
  await reconcileWeek(ctx, week);
  lap('reconciliation');
  await checkRankings(ctx, label, week);
  await call('POST', `${ctx.urls.reporting}/v1/snapshots`, { key: ctx.keys.county, body: { year: YEAR } });
  lap('rankings and snapshot');
  return lines;
}

function receiptBody(r: SentPayment, signed: boolean) {
  return {
    receiptNumber: r.voucher,
    idNumber: r.person.idNumber,
    year: YEAR,
    tier: r.person.tier,
    amountFen: r.amountFen,
    receivedAt: r.paidAt,
    payerName: r.person.name,
    signedByPayer: true,
    signedByCollector: signed,
  };
}

interface ImportAnswer {
  status: string;
  counts: { new: number; reversals: number; unchanged: number; duplicateRows: number; errors: number };
}

/** The tax bureau's weekly export: GB18030 as Excel saves it, with reversals and repeated lines. */
async function importTaxExport(ctx: SeasonContext, input: WeekInput, label: string): Promise<string[][]> {
  const { week } = input;
  const period = [`${YEAR}-01-01`, `${YEAR}-12-31`];
  const office = '15002300000';
  const line = (p: SentPayment) => [
    p.voucher,
    wall(p.paidAt),
    ...period,
    p.person.idNumber,
    p.person.name,
    yuan(p.amountFen),
    yuan(p.assistanceFen),
    yuan(p.amountFen + p.assistanceFen),
    '否',
    '',
    office,
  ];
  const fresh = input.payments.filter((p) => p.week === week && p.channel === 'tax').map(line);
  const reversals = input.payments
    .filter((p) => p.reversedInWeek === week)
    .map((p) => {
      return [
        `${p.voucher}R`,
        `${addDays(p.paidOn, 7)} 17:00:00`,
        ...period,
        p.person.idNumber,
        p.person.name,
        yuan(-p.amountFen),
        yuan(-p.assistanceFen),
        yuan(-p.amountFen - p.assistanceFen),
        '是',
        p.voucher,
        office,
      ];
    });
  // The bureau's export runs over the days since the last one and a little before: the first lines
  // of last week's come again, and a re-run repeats every 40th line of its own.
  const repeated = input.previousTaxLines.slice(0, 3);
  const rows: string[][] = [...repeated];
  let duplicates = 0;
  for (const [i, r] of [...fresh, ...reversals].entries()) {
    rows.push(r);
    if (i % 40 === 39) {
      rows.push(r);
      duplicates++;
    }
  }
  if (!rows.length) return fresh;
  const file = encodeAs(csv([TAX_HEADER, ...rows]), 'gb18030');
  const { body } = await call<ImportAnswer>(
    'POST',
    `${ctx.urls['payment-reconciliation']}/v1/payment-imports?source=tax&year=${YEAR}&fileName=${encodeURIComponent(`缴费明细-${weekEnd(week)}.csv`)}`,
    { key: ctx.keys.feeds.get('tax'), file: { data: file, contentType: 'text/csv' } },
  );
  const where = `${label} 税务导出`;
  ctx.expect(where, '新缴费', fresh.length, body.counts.new);
  ctx.expect(where, '冲正', reversals.length, body.counts.reversals);
  ctx.expect(where, '重复行', duplicates, body.counts.duplicateRows);
  ctx.expect(where, '已导入未变', repeated.length, body.counts.unchanged);
  ctx.expect(where, '错误行', 0, body.counts.errors);
  ctx.notes.reversals = (ctx.notes.reversals ?? 0) + body.counts.reversals;
  ctx.notes.duplicateRows = (ctx.notes.duplicateRows ?? 0) + body.counts.duplicateRows;
  return fresh;
}

/** The medical-assistance fund's 代缴 list of the week: the whole part of those who pay nothing themselves. */
async function importAssistanceBatch(ctx: SeasonContext, input: WeekInput, label: string): Promise<void> {
  const rows = input.payments.filter((p) => p.week === input.week && p.channel === 'assistance');
  if (!rows.length) return;
  const batch = `QK-${ctx.plan.seed}-${weekEnd(input.week)}`;
  const file = csv([
    ['身份证号码', '姓名', '代缴金额', '代缴类别', '请款批次', '代缴日期'],
    ...rows.map((p) => [
      p.person.idNumber,
      p.person.name,
      yuan(p.assistanceFen),
      p.person.identity?.label ?? '',
      batch,
      wall(p.paidAt),
    ]),
  ]);
  const { body } = await call<ImportAnswer>(
    'POST',
    `${ctx.urls['payment-reconciliation']}/v1/payment-imports?source=assistance-batch&year=${YEAR}&fileName=${encodeURIComponent(`代缴名单-${batch}.csv`)}`,
    { key: ctx.keys.county, file: { data: file, contentType: 'text/csv' } },
  );
  ctx.expect(`${label} 代缴名单`, '新缴费', rows.length, body.counts.new);
  ctx.expect(`${label} 代缴名单`, '错误行', 0, body.counts.errors);
}

interface DeathsAnswer {
  deaths: number;
  enrolmentsCancelled: number;
  errors: unknown[];
}

async function reportDeaths(ctx: SeasonContext, label: string): Promise<void> {
  const died = ctx.plan.persons.filter((p) => p.fate === 'died');
  const file = csv([['身份证号码', '姓名', '死亡时间'], ...died.map((p) => [p.idNumber, p.name, p.diedOn ?? ''])]);
  const { body } = await call<DeathsAnswer>('POST', `${ctx.urls['subsidy-identity']}/v1/deaths`, {
    key: ctx.keys.feeds.get('health'),
    file: { data: file, contentType: 'text/csv' },
  });
  ctx.expect(`${label} 死亡名单`, '死亡', died.length, body.deaths);
  ctx.expect(`${label} 死亡名单`, '注销未缴费参保', died.length, body.enrolmentsCancelled);
  ctx.expect(`${label} 死亡名单`, '错误行', 0, body.errors.length);
}

interface ProgressAnswer {
  progress: {
    registered: number;
    paid: number;
    cancelled: number;
    children: { region: { code: string }; registered: number; paid: number; cancelled: number; target: number }[];
  };
}

const PROGRESS = `query($c: ID!, $y: Int!) { progress(regionCode: $c, year: $y) {
  registered paid cancelled children { region { code } registered paid cancelled target } } }`;

/**
 * Waits until the applier has taken every payment to enrollment and reporting has counted what
 * the week sent: no payment left `recorded`, and each township's registered, paid and cancelled
 * as the ledger says. Fails with the differences after the timeout.
 */
async function settleWeek(ctx: SeasonContext, label: string, week: number): Promise<void> {
  const state = stateAfter(ctx.plan, week);
  const expected = new Map(
    ctx.plan.townships.map((t) => {
      const sum = { registered: 0, paid: 0, cancelled: 0 };
      for (const v of t.villages) {
        const s = state.villages.get(v.code);
        if (!s) continue;
        sum.registered += s.registered;
        sum.paid += s.paid;
        sum.cancelled += s.cancelled;
      }
      return [t.code, sum];
    }),
  );
  const begun = Date.now();
  ctx.progress.start(`${label} settling`, 1);
  await settle(
    `${label}: payments applied`,
    async () => {
      const { body } = await call<{ items: { reversal: unknown }[] }>(
        'GET',
        `${ctx.urls['payment-reconciliation']}/v1/payments?regionCode=${ctx.county}&year=${YEAR}&status=recorded&limit=200`,
        { key: ctx.keys.county },
      );
      const waiting = body.items.filter((p) => !p.reversal).length;
      return waiting === 0 ? { done: true, value: null } : { done: false, why: `${waiting} payments still recorded` };
    },
    SETTLE_MS,
  );
  ctx.lap(`week ${week + 1} waiting for the applier`, (Date.now() - begun) / 1000);
  const applied = Date.now();
  await settle(
    `${label}: reporting counted the week`,
    async () => {
      const data = await graphql<ProgressAnswer>(ctx.urls.reporting, ctx.keys.county, PROGRESS, {
        c: ctx.county,
        y: YEAR,
      });
      const diffs: string[] = [];
      for (const child of data.progress.children) {
        const want = expected.get(child.region.code);
        if (!want) continue;
        for (const f of ['registered', 'paid', 'cancelled'] as const) {
          if (child[f] !== want[f]) diffs.push(`${child.region.code} ${f} ${child[f]} (expected ${want[f]})`);
        }
      }
      return diffs.length ? { done: false, why: diffs.join('; ') } : { done: true, value: null };
    },
    SETTLE_MS,
  );
  ctx.lap(`week ${week + 1} waiting for reporting`, (Date.now() - applied) / 1000);
  ctx.progress.done();
}

/**
 * The week's reconciliation run over the county. Without `asOf`: the cut-off is the time payments
 * were recorded, and this season records past weeks' money today, so a past cut-off would see none.
 */
async function reconcileWeek(ctx: SeasonContext, week: number): Promise<void> {
  const { body } = await call<{ counts: Record<string, number> }>(
    'POST',
    `${ctx.urls['payment-reconciliation']}/v1/reconciliations`,
    { key: ctx.keys.county, body: { regionCode: ctx.county, year: YEAR } },
  );
  const state = stateAfter(ctx.plan, week);
  const want: Record<string, number> = Object.fromEntries(CLASSES.map((c) => [c, 0]));
  for (const counts of state.classes.values()) for (const c of CLASSES) want[c] = (want[c] ?? 0) + (counts[c] ?? 0);
  for (const [cls, n] of Object.entries(body.counts)) {
    ctx.expect(`week ${week + 1} 对账`, cls, want[cls] ?? 0, n);
  }
}

interface WeeklyAnswer {
  weeklyReport: { villages: { region: { code: string }; rank: number; paid: number; target: number }[] };
}

/** The township's ranking as the dashboard reads it, against paid so far / target per village. */
async function checkRankings(ctx: SeasonContext, label: string, week: number): Promise<void> {
  const state = stateAfter(ctx.plan, week);
  for (const t of ctx.plan.townships) {
    const data = await graphql<WeeklyAnswer>(
      ctx.urls.reporting,
      ctx.keys.dashboard,
      `query($t: ID!, $y: Int!) { weeklyReport(townshipCode: $t, year: $y) { villages { region { code } rank paid target } } }`,
      { t: t.code, y: YEAR },
    );
    const rows = t.villages.map((v) => ({
      code: v.code,
      paid: state.villages.get(v.code)?.paid ?? 0,
      target: ctx.targets.get(v.code) ?? 0,
    }));
    const ranks = ranking(rows);
    const got = new Map(data.weeklyReport.villages.map((v) => [v.region.code, v]));
    for (const r of rows) {
      const g = got.get(r.code);
      ctx.expect(`${label} ${t.name} 周报 ${r.code}`, '已缴费', r.paid, g?.paid);
      ctx.expect(`${label} ${t.name} 周报 ${r.code}`, '排名', ranks.get(r.code), g?.rank);
    }
  }
}
