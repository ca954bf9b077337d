import { createEnrollmentClient, createPaymentClient, createSubsidyIdentityClient } from '@rmi/clients';
import type { Db } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { createApiKeysRepository } from '@rmi/service-kit';

// Demo data for a first `pnpm start`: a year of enrolment in 栗子乡 (Lizi township, Fengdu), put
// in through the public API as a township office and the payment system would, so what a visitor
// sees on the dashboards came the way real data comes.

const TOWNSHIP = '500230209';
const YEAR = 2025;
const PERSONS = 160;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚';

interface DemoPerson {
  idNumber: string;
  name: string;
  village: string;
  tier: 1 | 2;
  identities: string[];
}

function people(villages: string[]): DemoPerson[] {
  return Array.from({ length: PERSONS }, (_, i) => {
    const birth = new Date(Date.UTC(1940, 0, 1) + i * 137 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `500230${birth}${String(100 + i).padStart(3, '0')}`;
    return {
      idNumber: first17 + checkCharacter(first17),
      name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${i % 3 ? GIVEN[(i * 11) % GIVEN.length] : ''}`,
      village: villages[i % villages.length] as string,
      tier: i % 9 === 0 ? 2 : 1,
      identities: i % 16 === 0 ? ['城乡低保对象'] : i % 23 === 0 ? ['特困人员'] : [],
    };
  });
}

/** Whether this database still lacks demo data (nobody registered at all). */
export async function wantsDemoData(db: Db): Promise<boolean> {
  if (process.env.DEMO_DATA === 'false') return false;
  const anyone = await db.selectFrom('enrollment.persons').select('id_number').limit(1).executeTakeFirst();
  return anyone === undefined;
}

/** The channels demo payments arrive through, in turn. */
const CHANNELS = ['wechat', 'alipay', 'collection-client', 'pos', 'tax-window', 'yukuaiban'];

/**
 * Registers and targets a township's worth of residents through the enrollment API, after civil
 * affairs posted its list of 低保 and 特困 residents to subsidy-identity; then villages' collectors
 * record payments on payment-reconciliation, whose applier takes them to enrollment. The payments
 * name no identity: enrollment finds the assistance in the certified spells, as in a county.
 */
export async function loadDemoData(
  db: Db,
  urls: { enrollment: string; subsidyIdentity: string; payment: string },
): Promise<string> {
  const enrollmentUrl = urls.enrollment;
  const villages = (
    await db.selectFrom('core.regions').select('code').where('parent_code', '=', TOWNSHIP).orderBy('code').execute()
  ).map((r) => r.code);
  const keys = createApiKeysRepository(db);
  const office = await keys.create({
    name: '栗子乡 demo data (pnpm start)',
    role: 'township-operator',
    regionCode: TOWNSHIP,
  });
  const civilAffairs = await keys.create({
    name: '丰都县民政局 demo list (pnpm start)',
    role: 'department-feed',
    department: 'civil-affairs',
    regionCode: TOWNSHIP.slice(0, 6),
  });
  const feeds = createSubsidyIdentityClient({ baseUrl: urls.subsidyIdentity, apiKey: civilAffairs.key });
  const township = createEnrollmentClient({ baseUrl: enrollmentUrl, apiKey: office.key });
  const collectors = new Map<string, { id: string; key: string }>();
  for (const village of villages) {
    collectors.set(
      village,
      await keys.create({ name: `${village} collector (pnpm start)`, role: 'collector', regionCode: village }),
    );
  }
  const clients = new Map(
    [...collectors].map(([village, key]) => [village, createPaymentClient({ baseUrl: urls.payment, apiKey: key.key })]),
  );
  try {
    const persons = people(villages);
    const csv = [
      '身份证号,姓名,村(社区)代码,档次',
      ...persons.map((p) => `${p.idNumber},${p.name},${p.village},${p.tier}`),
    ].join('\n');
    // The typed client has no file upload: the CSV goes as a township office's browser sends it.
    const uploaded = await fetch(`${enrollmentUrl}/v1/registration-imports?year=${YEAR}&wait=true&fileName=demo.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${office.key}`, 'content-type': 'text/csv' },
      body: csv,
    });
    if (!uploaded.ok) throw new Error(`demo registration import answered ${uploaded.status}: ${await uploaded.text()}`);

    // Targets a little above what was registered, so the dashboards show work left to do.
    const targets = villages.map((village) => ({
      regionCode: village,
      target: persons.filter((p) => p.village === village).length + 3,
      source: 'demo data',
    }));
    await township.setTargets({ year: YEAR, targets });

    // Civil affairs' list as its office keeps it, certified before the collection began.
    const certified = persons.filter((p) => p.identities.length > 0);
    const list = [
      '身份证号码,姓名,身份类别,村（居）,纳入时间',
      ...certified.map((p) => `${p.idNumber},${p.name},${p.identities[0]},${p.village},2024-09-01`),
    ].join('\r\n');
    const posted = await feeds.postFeedBatch(
      'civil-affairs',
      { data: list, contentType: 'text/csv' },
      { mode: 'snapshot', period: '2024-09', fileName: 'demo-低保特困名册.csv' },
    );
    if (posted.status !== 'applied') throw new Error(`demo civil-affairs list was ${posted.status}`);

    // Three in four pay during the concentrated period, at the personal part the quote names.
    let paid = 0;
    for (const [i, p] of persons.entries()) {
      if (i % 4 === 3) continue;
      const paidOn = `2024-${String(10 + (i % 3)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      const quote = await township.quote({
        regionCode: p.village,
        year: YEAR,
        tier: p.tier,
        paidOn,
        identities: p.identities,
      });
      const collector = clients.get(p.village);
      if (!collector) throw new Error(`no collector for ${p.village}`);
      await collector.recordPayment({
        channel: CHANNELS[i % CHANNELS.length] as string,
        voucherNumber: `DEMO-${YEAR}-${String(i).padStart(4, '0')}`,
        idNumber: p.idNumber,
        year: YEAR,
        tier: p.tier,
        amountFen: quote.personalFen,
        paidAt: `${paidOn}T10:00:00+08:00`,
      });
      paid++;
    }
    const applied = await appliedWithin(db, 60_000);
    return `${persons.length} residents of 栗子乡 registered for ${YEAR}, ${certified.length} certified by civil affairs, ${paid} paid through payment-reconciliation (${applied} applied to their enrolments), targets set`;
  } finally {
    await Promise.all([township.close(), feeds.close(), ...[...clients.values()].map((c) => c.close())]);
    await keys.revoke(office.id);
    await keys.revoke(civilAffairs.id);
    for (const key of collectors.values()) await keys.revoke(key.id);
  }
}

/** Waits for the applier to take the demo payments to enrollment; answers how many were applied. */
async function appliedWithin(db: Db, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await db
      .selectFrom('payment.payments')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    if (count('recorded') === 0 || Date.now() > deadline) return count('applied');
    await new Promise((r) => setTimeout(r, 250));
  }
}
