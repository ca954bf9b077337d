// The county's figures at the end of the season, read back from the services (reporting's GraphQL
// and REST, payment-reconciliation's cash answer, enrollment's enrolments for assistance by
// identity) and held against the ledger, figure by figure.
import { call, graphql } from './api.js';
import type { SeasonContext } from './context.js';
import { YEAR } from './context.js';
import { type CashPlan, CLASSES, quoteFor, type SentPayment, stateAfter } from './ledger.js';
import { weekEnd } from './plan.js';

/** Channel codes as payment-reconciliation records them: a tax export without 渠道 is the tax window. */
export const recordedChannel = (c: string) => (c === 'tax' ? 'tax-window' : c);

export interface Figure {
  expected: number;
  got: number | undefined;
}

export interface TownshipRow {
  code: string;
  name: string;
  target: Figure;
  registered: Figure;
  paid: Figure;
  cancelled: Figure;
  rate: { expected: number; got: number | undefined };
  personalFen: Figure;
  assistanceFen: Figure;
  fiscalFen: Figure;
  /** Per identity code: persons paid with that assistance identity and the assistance fen. */
  assistance: Map<string, { persons: Figure; fen: Figure; certified: Figure; groupPaid: Figure }>;
  /** Per channel: payments standing, their fen, reversals. */
  channels: Map<string, { payments: Figure; fen: Figure; reversals: Figure }>;
  classes: Map<string, Figure>;
  cashHeldFen: Figure;
  cashCollectors: Figure;
  cashAlerts: Figure;
}

const fig = (expected: number): Figure => ({ expected, got: undefined });

interface FinalAnswer {
  progress: { target: number; registered: number; paid: number; cancelled: number; rate: number };
  specialGroups: { identity: string; department: string; certified: number; enrolled: number; paid: number }[];
  funding: {
    personalFen: number;
    assistanceFen: number;
    fiscalFen: number;
    byChannel: { channel: string; payments: number; amountFen: number; reversals: number; reversedFen: number }[];
  };
  cashAlerts: { collector: string }[];
  reconciliation: { classes: { class: string; persons: number }[] } | null;
}

const FINAL = `query($c: ID!, $y: Int!, $on: Date!) {
  progress(regionCode: $c, year: $y) { target registered paid cancelled rate }
  specialGroups(regionCode: $c, year: $y) { identity department certified enrolled paid }
  funding(regionCode: $c, year: $y) { personalFen assistanceFen fiscalFen
    byChannel { channel payments amountFen reversals reversedFen } }
  cashAlerts(regionCode: $c, on: $on) { collector }
  reconciliation(regionCode: $c, year: $y) { classes { class persons } }
}`;

interface EnrolmentPage {
  items: { paidFen: number | null; assistanceIdentity: string | null; assistanceFen: number | null }[];
  next: string | null;
}

interface CashAnswer {
  collectors: { collector: string; undepositedFen: number; alerts: unknown[] }[];
  limits: { year: number; depositWithinDays: number | null; sameDayDepositFen: number | null }[];
}

export async function readFinal(ctx: SeasonContext, payments: SentPayment[], cash: CashPlan): Promise<TownshipRow[]> {
  const last = ctx.plan.weeks - 1;
  const state = stateAfter(ctx.plan, last);
  const lastDay = weekEnd(last);
  const rows: TownshipRow[] = [];
  for (const t of ctx.plan.townships) {
    const villages = new Set(t.villages.map((v) => v.code));
    const people = ctx.plan.persons.filter((p) => p.township === t.code);
    const row: TownshipRow = {
      code: t.code,
      name: t.name,
      target: fig(t.villages.reduce((a, v) => a + (ctx.targets.get(v.code) ?? 0), 0)),
      registered: fig(0),
      paid: fig(0),
      cancelled: fig(0),
      rate: { expected: 0, got: undefined },
      personalFen: fig(0),
      assistanceFen: fig(0),
      fiscalFen: fig(0),
      assistance: new Map(),
      channels: new Map(),
      classes: new Map(CLASSES.map((c) => [c, fig(state.classes.get(t.code)?.[c] ?? 0)])),
      cashHeldFen: fig(0),
      cashCollectors: fig(0),
      cashAlerts: fig(0),
    };
    for (const v of villages) {
      const s = state.villages.get(v);
      if (!s) continue;
      row.registered.expected += s.registered;
      row.paid.expected += s.paid;
      row.cancelled.expected += s.cancelled;
      const held = cash.heldAtEnd.get(v) ?? 0;
      row.cashHeldFen.expected += held;
      if (held > 0) row.cashCollectors.expected++;
    }
    row.rate.expected = row.target.expected > 0 ? row.paid.expected / row.target.expected : 0;
    const groupOf = (code: string) => {
      let g = row.assistance.get(code);
      if (!g) {
        g = { persons: fig(0), fen: fig(0), certified: fig(0), groupPaid: fig(0) };
        row.assistance.set(code, g);
      }
      return g;
    };
    for (const p of people) {
      const standing = !(p.fate === 'died');
      const paid = p.fate === 'paid' || p.fate === 'duplicate';
      if (paid) {
        const q = quoteFor(ctx.quotes, p, p.paidOn);
        row.personalFen.expected += q.personalFen;
        row.assistanceFen.expected += q.assistanceFen;
        row.fiscalFen.expected += q.fiscalSubsidyFen;
        if (q.assistanceIdentity) {
          const g = groupOf(q.assistanceIdentity);
          g.persons.expected++;
          g.fen.expected += q.assistanceFen;
        }
      }
      // Special groups: whoever holds an identity in 2025 (the October list), counted once.
      if (p.identity && p.inOctober && standing) {
        const g = groupOf(p.identity.code);
        g.certified.expected++;
        if (paid) g.groupPaid.expected++;
      }
    }
    for (const pay of payments.filter((x) => x.person.township === t.code)) {
      const code = recordedChannel(pay.channel);
      let c = row.channels.get(code);
      if (!c) {
        c = { payments: fig(0), fen: fig(0), reversals: fig(0) };
        row.channels.set(code, c);
      }
      if (pay.reversedInWeek !== null) c.reversals.expected++;
      else {
        c.payments.expected++;
        c.fen.expected += pay.amountFen;
      }
    }

    // What the services answer.
    const data = await graphql<FinalAnswer>(ctx.urls.reporting, ctx.keys.dashboard, FINAL, {
      c: t.code,
      y: YEAR,
      on: lastDay,
    });
    row.target.got = data.progress.target;
    row.registered.got = data.progress.registered;
    row.paid.got = data.progress.paid;
    row.cancelled.got = data.progress.cancelled;
    row.rate.got = data.progress.rate;
    row.personalFen.got = data.funding.personalFen;
    row.assistanceFen.got = data.funding.assistanceFen;
    row.fiscalFen.got = data.funding.fiscalFen;
    for (const g of data.specialGroups) {
      const a = groupOf(g.identity);
      a.certified.got = g.certified;
      a.groupPaid.got = g.paid;
    }
    for (const c of data.funding.byChannel) {
      let e = row.channels.get(c.channel);
      if (!e) {
        e = { payments: fig(0), fen: fig(0), reversals: fig(0) };
        row.channels.set(c.channel, e);
      }
      e.payments.got = c.payments;
      e.fen.got = c.amountFen;
      e.reversals.got = c.reversals;
    }
    for (const c of data.reconciliation?.classes ?? []) {
      const e = row.classes.get(c.class) ?? fig(0);
      e.got = c.persons;
      row.classes.set(c.class, e);
    }
    row.cashAlerts.got = data.cashAlerts.length;

    // Assistance by identity as enrollment stored it on each paid enrolment.
    const got = new Map<string, { persons: number; fen: number }>();
    let after: string | null = null;
    do {
      const q = new URLSearchParams({ year: String(YEAR), regionCode: t.code, limit: '500' });
      if (after) q.set('after', after);
      const { body }: { body: EnrolmentPage } = await call<EnrolmentPage>(
        'GET',
        `${ctx.urls.enrollment}/v1/enrolments?${q}`,
        {
          key: ctx.keys.townships.get(t.code),
        },
      );
      for (const e of body.items) {
        if (e.paidFen === null || !e.assistanceIdentity) continue;
        const g = got.get(e.assistanceIdentity) ?? { persons: 0, fen: 0 };
        g.persons++;
        g.fen += e.assistanceFen ?? 0;
        got.set(e.assistanceIdentity, g);
      }
      after = body.next;
    } while (after);
    for (const [code, a] of row.assistance) {
      a.persons.got = got.get(code)?.persons ?? 0;
      a.fen.got = got.get(code)?.fen ?? 0;
      a.certified.got ??= 0;
      a.groupPaid.got ??= 0;
    }
    for (const [code, g] of got) {
      if (!row.assistance.has(code))
        row.assistance.set(code, {
          persons: { expected: 0, got: g.persons },
          fen: { expected: 0, got: g.fen },
          certified: { expected: 0, got: 0 },
          groupPaid: { expected: 0, got: 0 },
        });
    }
    for (const c of row.channels.values()) {
      c.payments.got ??= 0;
      c.fen.got ??= 0;
      c.reversals.got ??= 0;
    }
    for (const c of row.classes.values()) c.got ??= 0;

    // Cash held per collector: cq-2025 states no limits, so every collector is listed and none judged.
    const { body: cashAnswer } = await call<CashAnswer>(
      'GET',
      `${ctx.urls['payment-reconciliation']}/v1/cash-alerts?regionCode=${t.code}&on=${lastDay}`,
      { key: ctx.keys.townships.get(t.code) },
    );
    row.cashHeldFen.got = cashAnswer.collectors.reduce((a, c) => a + c.undepositedFen, 0);
    row.cashCollectors.got = cashAnswer.collectors.filter((c) => c.undepositedFen > 0).length;
    const judged = cashAnswer.collectors.reduce((a, c) => a + c.alerts.length, 0);
    ctx.expect(t.name, '现金 双限判定 (cq-2025 未规定)', 0, judged);
    for (const l of cashAnswer.limits.filter((x) => x.year === YEAR)) {
      ctx.expect(t.name, '现金 限额 (cq-2025 未规定)', 'null null', `${l.depositWithinDays} ${l.sameDayDepositFen}`);
    }
    for (const v of t.villages) {
      const collector = ctx.keys.collectors.get(v.code)?.name;
      const held = cashAnswer.collectors.find((c) => c.collector === collector)?.undepositedFen ?? 0;
      ctx.expect(`${t.name} ${collector}`, '现金在手(分)', cash.heldAtEnd.get(v.code) ?? 0, held);
    }
    rows.push(row);
  }
  return rows;
}

/** Every figure of the rows against its expectation, into ctx.mismatches. */
export function compareRows(ctx: SeasonContext, rows: TownshipRow[]): void {
  for (const r of rows) {
    const e = (figure: string, f: Figure) => ctx.expect(r.name, figure, f.expected, f.got);
    e('任务数', r.target);
    e('已参保', r.registered);
    e('已缴费', r.paid);
    e('注销(死亡)', r.cancelled);
    ctx.expect(r.name, '完成率', r.rate.expected.toFixed(4), r.rate.got?.toFixed(4));
    e('个人缴费(分)', r.personalFen);
    e('资助(分)', r.assistanceFen);
    // Paid in the concentrated period, nobody owes the fiscal part a late payer adds (0).
    e('逾期补缴财政部分(分)', r.fiscalFen);
    for (const [code, a] of r.assistance) {
      e(`资助人数 ${code}`, a.persons);
      e(`资助金额 ${code}`, a.fen);
      e(`特殊群体认定 ${code}`, a.certified);
      e(`特殊群体已缴费 ${code}`, a.groupPaid);
    }
    for (const [code, c] of r.channels) {
      e(`渠道笔数 ${code}`, c.payments);
      e(`渠道金额 ${code}`, c.fen);
      e(`渠道冲正 ${code}`, c.reversals);
    }
    for (const [cls, f] of r.classes) e(`对账 ${cls}`, f);
    e('现金在手(分)', r.cashHeldFen);
    e('现金在手收费员', r.cashCollectors);
    e('现金预警', r.cashAlerts);
  }
}
