// The departments' monthly lists: a snapshot for September, a changed one for October (people
// leave, move and join), and a truncated November file the services must hold rather than apply
// (it would end most people's identity). Then the quotes the payers are asked for.
import { call } from './api.js';
import type { SeasonContext } from './context.js';
import { YEAR } from './context.js';
import { type QuoteFigures, quoteKey } from './ledger.js';
import { ADDED_ON, FEED_DEPARTMENTS, FIRST_CERTIFIED_ON, IDENTITIES, type Person, weekStart } from './plan.js';
import { csv } from './setup.js';

interface BatchAnswer {
  batchId: string;
  status: string;
  counts: { added: number; changed: number; moved: number; removed: number; unchanged: number; errors: number };
}

const HEADER = ['身份证号码', '姓名', '身份类别', '村（居）', '纳入时间'];

export async function postFeeds(ctx: SeasonContext): Promise<void> {
  ctx.progress.start('department feeds', FEED_DEPARTMENTS.length * 3);
  for (const department of FEED_DEPARTMENTS) {
    const key = ctx.keys.feeds.get(department);
    const mine = ctx.plan.persons.filter((p) => p.identity?.department === department);
    const september = mine.filter((p) => p.inSeptember);
    const october = mine.filter((p) => p.inOctober);
    const row = (p: Person, village: string, on: string) => [p.idNumber, p.name, p.identity?.label ?? '', village, on];
    const post = async (period: string, people: string[][]) =>
      (
        await call<BatchAnswer>(
          'POST',
          `${ctx.urls['subsidy-identity']}/v1/feeds/${department}/batches?mode=snapshot&period=${period}`,
          { key, file: { data: csv([HEADER, ...people]), contentType: 'text/csv' }, accept: [200, 201, 202] },
        )
      ).body;

    const sep = await post(
      '2024-09',
      september.map((p) => row(p, p.village, FIRST_CERTIFIED_ON)),
    );
    ctx.expect(department, '9月名单 状态', 'applied', sep.status);
    ctx.expect(department, '9月名单 新增', september.length, sep.counts.added);
    ctx.progress.tick();

    const oct = await post(
      '2024-10',
      october.map((p) => row(p, p.listedVillage, p.heldFrom === ADDED_ON ? ADDED_ON : FIRST_CERTIFIED_ON)),
    );
    ctx.expect(department, '10月名单 状态', 'applied', oct.status);
    ctx.expect(department, '10月名单 新增', october.filter((p) => !p.inSeptember).length, oct.counts.added);
    ctx.expect(department, '10月名单 退出', september.filter((p) => !p.inOctober).length, oct.counts.removed);
    ctx.expect(
      department,
      '10月名单 迁移',
      october.filter((p) => p.listedVillage !== p.village).length,
      oct.counts.moved,
    );
    ctx.progress.tick();

    // November's file cut short (an export stopped a third of the way): held, then discarded.
    const cut = october.slice(0, Math.floor(october.length / 3));
    const nov = await post(
      '2024-11',
      cut.map((p) => row(p, p.listedVillage, p.heldFrom === ADDED_ON ? ADDED_ON : FIRST_CERTIFIED_ON)),
    );
    ctx.expect(department, '11月截断名单 状态', 'held', nov.status);
    if (nov.status === 'held') {
      ctx.notes.heldBatches = (ctx.notes.heldBatches ?? 0) + 1;
      await call('POST', `${ctx.urls['subsidy-identity']}/v1/feeds/batches/${nov.batchId}/discard`, { key });
    }
    ctx.progress.tick();
  }
  ctx.progress.done();
}

/** `POST /v1/quotes` once per tier and identity (and none), cached for every payment. */
export async function askQuotes(ctx: SeasonContext): Promise<void> {
  const village = ctx.plan.townships[0]?.villages[0]?.code as string;
  for (const tier of [1, 2]) {
    for (const label of [null, ...IDENTITIES.map((i) => i.label)]) {
      const { body } = await call<QuoteFigures>('POST', `${ctx.urls.enrollment}/v1/quotes`, {
        body: { regionCode: village, year: YEAR, tier, paidOn: weekStart(0), identities: label ? [label] : [] },
      });
      ctx.quotes.set(quoteKey(tier, label), {
        personalFen: body.personalFen,
        assistanceFen: body.assistanceFen,
        fiscalSubsidyFen: body.fiscalSubsidyFen,
        assistanceIdentity: body.assistanceIdentity,
      });
    }
  }
}
