// Reporting's counters against the real publishers (contracts/reporting.md, "Fast counters"):
// enrollment, subsidy-identity and payment-reconciliation in this process on one database, driven
// through their HTTP APIs, payments applied by payment-reconciliation's own applier; their outbox
// rows are posted to reporting's /v1/events as the outbox worker would, but in an order the test
// chooses (batches shuffled across sources, some delivered twice, some at once). After a random mix
// of operations, every counter must equal a plain GROUP BY over the views, written here apart from
// the service's own SQL.
import type { AddressInfo } from 'node:net';
import { createDb, createTestDatabase, type Db, freePort, SESSION_DEFAULTS } from '@rmi/db';
import { settleOutbox, waitFor } from '@rmi/outbox/testing';
import paymentApp, { SERVICE as PAYMENT, PaymentConfigSchema } from '@rmi/payment-reconciliation/app';
import reportingApp, { SERVICE as REPORTING } from '@rmi/reporting/app';
import { addDays, checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import subsidyIdentityApp, {
  SERVICE as SUBSIDY_IDENTITY,
  SubsidyIdentityConfigSchema,
} from '@rmi/subsidy-identity/app';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const LIZI = '500230209'; // 栗子乡
const VILLAGES = ['500230209001', '500230209200', '500230209201'] as const; // 栗子社区, 南江村, 建龙村

const tdb = await createTestDatabase();
const db = tdb.db;
// Each service on a pool of its own, as in production: none waits for another's connections.
const pools: Db[] = [];
const pool = () => {
  const p = createDb(tdb.url, { ...SESSION_DEFAULTS, max: 5, applicationName: 'rmi-test' });
  pools.push(p);
  return p;
};

const service = await createTestKey(db, 'service');
const admin = await createTestKey(db, 'admin');
const office = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });

const enrollment = await enrollmentAlongside(pool());
await enrollment.listen({ port: 0, host: '127.0.0.1' });
const enrollmentUrl = `http://127.0.0.1:${(enrollment.server.address() as AddressInfo).port}`;
// The applier runs (it needs the service key); the outbox worker it comes with delivers nowhere, so
// the events wait in payment.outbox for the test to deliver them.
const payment = await buildApp(PAYMENT, paymentApp, {
  db: pool(),
  config: testConfig(
    {
      SERVICE_API_KEY: service.key,
      ENROLLMENT_URL: enrollmentUrl,
      APPLY_POLL_MS: '50',
      APPLY_RETRY_MS: '50',
      APPLY_TIMEOUT_MS: '5000',
      REPORTING_URL: `http://127.0.0.1:${await freePort()}`,
      OUTBOX_POLL_MS: '3600000',
    },
    PaymentConfigSchema,
  ),
});
const identity = await buildApp(SUBSIDY_IDENTITY, subsidyIdentityApp, {
  db: pool(),
  config: testConfig({}, SubsidyIdentityConfigSchema),
});
const reporting = await buildApp(REPORTING, reportingApp, { db: pool(), config: testConfig() });
t.teardown(async () => {
  await payment.close();
  await identity.close();
  await reporting.close();
  await enrollment.close();
  await Promise.all(pools.map((p) => p.destroy()));
  await tdb.destroy();
});

const expectOk = <R extends { statusCode: number; body: string }>(
  what: string,
  res: R,
  allowed: readonly number[] = [],
) => {
  if (res.statusCode >= 500 || (res.statusCode >= 300 && !allowed.includes(res.statusCode))) {
    throw new Error(`${what} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
  }
  return res;
};

// ---------------------------------------------------------------------------------------------
// The writes, each through its service's API.

let serial = 0;
function newIdNumber(): string {
  serial += 1;
  const birth = addDays('1940-01-01', serial).replaceAll('-', '');
  const first17 = `500230${birth}${String(serial % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

interface Person {
  idNumber: string;
  village: string;
  created: boolean;
  payments: Array<{ id: string; paidOn: string; reversed: boolean }>;
}

const asOffice = (app: FastifyInstance, method: 'POST' | 'PUT', url: string, payload: object) =>
  app.inject({ method, url, headers: office.headers, payload });

async function ensurePerson(p: Person): Promise<void> {
  if (p.created) return;
  const res = await asOffice(enrollment, 'POST', '/v1/persons', {
    idNumber: p.idNumber,
    name: '王伟',
    hukouRegionCode: p.village,
  });
  expectOk('creating a person', res, [409]);
  p.created = true;
}

async function register(p: Person, year: number): Promise<void> {
  await ensurePerson(p);
  expectOk(
    'registering',
    await asOffice(enrollment, 'POST', '/v1/enrolments', { idNumber: p.idNumber, year }),
    [409, 422],
  );
}

/** The identity codes a person holds on a day, as enrollment will read them when it applies the payment. */
async function heldOn(idNumber: string, day: string): Promise<string[]> {
  const { rows } = await sql<{ identity_code: string }>`select distinct identity_code from identity.v_identity_spells
    where id_number = ${idNumber} and valid_from <= ${day}::date and (valid_to is null or valid_to >= ${day}::date)`.execute(
    db,
  );
  return rows.map((r) => r.identity_code);
}

let vouchers = 0;
/** A payment recorded by the township office, then taken to enrollment by the applier (applied or parked). */
async function pay(p: Person, year: number, day: number, channel: string): Promise<void> {
  await ensurePerson(p);
  const paidOn = year === 2025 ? addDays('2024-10-01', day) : addDays('2023-11-20', day % 40);
  const quote = await enrollment.inject({
    method: 'POST',
    url: '/v1/quotes',
    payload: { regionCode: p.village, year, paidOn, identities: await heldOn(p.idNumber, paidOn) },
  });
  const q = quote.statusCode === 200 ? quote.json() : { personalFen: 40_000, assistanceFen: 0 };
  vouchers += 1;
  const res = expectOk(
    'recording a payment',
    await asOffice(payment, 'POST', '/v1/payments', {
      channel,
      voucherNumber: `CNT-${String(vouchers).padStart(6, '0')}`,
      idNumber: p.idNumber,
      year,
      amountFen: q.personalFen,
      assistanceFen: q.assistanceFen,
      paidAt: `${paidOn}T10:30:00+08:00`,
      villageCode: p.village,
    }),
  );
  const id = res.json().paymentId as string;
  p.payments.push({ id, paidOn, reversed: false });
  await waitFor('the payment applied or parked', async () => {
    const [row] = await db.selectFrom('payment.payments').select('status').where('id', '=', id).execute();
    return row?.status !== 'recorded';
  });
}

async function reverse(p: Person): Promise<void> {
  const last = p.payments.filter((x) => !x.reversed).at(-1);
  if (!last) return;
  last.reversed = true;
  expectOk(
    'reversing a payment',
    await asOffice(payment, 'POST', `/v1/payments/${last.id}/reversal`, {
      reversedAt: `${addDays(last.paidOn, 3)}T09:00:00+08:00`,
      reason: '误缴',
    }),
    [409],
  );
  // Told to enrollment, or refused by it (a transferred enrolment keeps its payment), or nothing to tell.
  await waitFor('the reversal told', async () => {
    const { rows } = await sql<{ done: boolean }>`select (r.told_at is not null or r.problem_code is not null
        or p.status <> 'applied') as done
      from payment.reversals r join payment.payments p on p.id = r.payment_id where r.payment_id = ${last.id}`.execute(
      db,
    );
    return rows[0]?.done ?? true;
  });
}

const FEED_HEADER = ['身份证号码', '姓名', '身份类别', '村（居）', '纳入时间', '退出时间', '操作'];
const IDENTITY_LABELS = ['城乡低保对象', '特困人员'] as const;

/** One row of civil affairs' monthly delta: a person certified, ended, or moved to another village. */
async function identityChange(
  p: Person,
  action: 'add' | 'remove' | 'move',
  label: string,
  village: string,
  from: string,
  period: string,
): Promise<void> {
  const row =
    action === 'add'
      ? [p.idNumber, '王伟', label, village, from, '', '新增']
      : action === 'remove'
        ? [p.idNumber, '王伟', label, '', '', '', '退出']
        : [p.idNumber, '王伟', label, village, '', '', '变更'];
  const csv = `${[FEED_HEADER, row].map((r) => r.join(',')).join('\r\n')}\r\n`;
  const res = await identity.inject({
    method: 'POST',
    url: `/v1/feeds/civil-affairs/batches?mode=delta&period=${period}`,
    headers: { ...civil.headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  expectOk('posting a delta', res, [409, 422]);
}

// ---------------------------------------------------------------------------------------------
// Delivery, as the outbox worker does it: `{ source, events: [{ id, topic, payload, createdAt }] }`.

const SOURCES = [
  { source: 'enrollment', schema: 'enrollment' },
  { source: 'subsidy-identity', schema: 'identity' },
  { source: 'payment-reconciliation', schema: 'payment' },
] as const;

interface Batch {
  source: string;
  events: Array<{ id: number; topic: string; payload: Record<string, unknown>; createdAt: string }>;
}

const deliveredIds = new Map<string, Set<number>>(SOURCES.map((s) => [s.source, new Set<number>()]));
const deliveredBatches: Batch[] = [];

/** Every committed outbox event not delivered yet, per source. */
async function undelivered(): Promise<Batch[]> {
  const out: Batch[] = [];
  for (const { source, schema } of SOURCES) {
    await settleOutbox(db, schema);
    const { rows } = await sql<{ id: string; topic: string; payload: Record<string, unknown>; created_at: Date }>`
      select id, topic, payload, created_at from ${sql.id(schema, 'outbox')} order by id`.execute(db);
    const seen = deliveredIds.get(source) as Set<number>;
    const events = rows
      .map((r) => ({
        id: Number(r.id),
        topic: r.topic,
        payload: r.payload,
        createdAt: new Date(r.created_at).toISOString(),
      }))
      .filter((e) => !seen.has(e.id));
    if (events.length > 0) out.push({ source, events });
  }
  return out;
}

async function post(batch: Batch): Promise<{ received: number; duplicates: number }> {
  const res = await reporting.inject({ method: 'POST', url: '/v1/events', headers: service.headers, payload: batch });
  expectOk(`delivering ${batch.events.length} event(s) of ${batch.source}`, res);
  return res.json();
}

type Gen = fc.GeneratorValue;

/**
 * Delivers what is waiting (all of it, or a random part): cut into batches of random sizes, the
 * batches of all sources shuffled, events shuffled inside a batch, some batches two at a time, some
 * again right after, and now and then an old batch again (which must store nothing).
 */
async function deliver(g: Gen, all: boolean): Promise<void> {
  const batches: Batch[] = [];
  for (const { source, events } of await undelivered()) {
    for (let i = 0; i < events.length; ) {
      const size = g(fc.integer, { min: 1, max: 6 });
      batches.push({ source, events: events.slice(i, i + size) });
      i += size;
    }
  }
  const chosen = g(fc.shuffledSubarray<Batch>, batches, all ? { minLength: batches.length } : {});
  for (let i = 0; i < chosen.length; ) {
    const together = g(fc.boolean) ? chosen.slice(i, i + 2) : chosen.slice(i, i + 1);
    i += together.length;
    const sent = together.map((b) => ({
      ...b,
      events: g(fc.shuffledSubarray<Batch['events'][number]>, b.events, { minLength: b.events.length }),
    }));
    const answers = await Promise.all(sent.map(post));
    answers.forEach((a, k) => {
      if (a.received !== sent[k]?.events.length) throw new Error(`a first delivery stored ${a.received}`);
    });
    for (const b of sent) {
      for (const e of b.events) deliveredIds.get(b.source)?.add(e.id);
      deliveredBatches.push(b);
      if (g(fc.boolean)) {
        const again = await post(b);
        if (again.received !== 0) throw new Error('a redelivery stored events');
      }
    }
  }
  if (deliveredBatches.length > 0 && g(fc.boolean)) {
    const old = deliveredBatches[g(fc.nat, deliveredBatches.length - 1)] as Batch;
    if ((await post(old)).received !== 0) throw new Error('an old batch delivered again stored events');
  }
}

// ---------------------------------------------------------------------------------------------
// The counters as the views define them, written here apart from the service's SQL.

const EXPECTED = {
  village_counters: sql`
    select coalesce(f.year, t.year) as year, coalesce(f.village_code, t.village_code) as village_code,
           t.target, coalesce(f.registered, 0)::int as registered, coalesce(f.paid, 0)::int as paid,
           coalesce(f.cancelled, 0)::int as cancelled, coalesce(f.transferred, 0)::int as transferred,
           coalesce(f.personal_fen, 0)::bigint as personal_fen, coalesce(f.assistance_fen, 0)::bigint as assistance_fen,
           coalesce(f.fiscal_fen, 0)::bigint as fiscal_fen
    from (select year, village_code,
                 sum((stored_status = 'registered')::int) as registered,
                 sum((stored_status = 'paid')::int) as paid,
                 sum((stored_status = 'cancelled')::int) as cancelled,
                 sum((stored_status = 'transferred')::int) as transferred,
                 sum(case when stored_status in ('paid', 'transferred') then personal_fen else 0 end) as personal_fen,
                 sum(case when stored_status in ('paid', 'transferred') then assistance_fen else 0 end) as assistance_fen,
                 sum(case when stored_status in ('paid', 'transferred') then fiscal_subsidy_fen else 0 end) as fiscal_fen
          from enrollment.v_enrollment_facts group by year, village_code) f
    full join enrollment.v_targets t on t.year = f.year and t.village_code = f.village_code
    order by 1, 2`,
  // The years a village's special groups are counted in: those it has an enrolment or a target in.
  group_counters: sql`
    with counted as (
      select distinct year, village_code from enrollment.v_enrollment_facts
      union select year, village_code from enrollment.v_targets
    ),
    held as (
      select distinct c.year, c.village_code, s.identity_code, s.department, s.id_number
      from counted c
      join identity.v_identity_spells s on s.region_code = c.village_code
      where s.valid_from <= (c.year || '-12-31')::date and coalesce(s.valid_to, 'infinity'::date) >= (c.year || '-01-01')::date
    )
    select h.year, h.village_code, h.identity_code, h.department, count(*)::int as certified,
           sum(case when e.stored_status <> 'cancelled' then 1 else 0 end)::int as enrolled,
           sum(case when e.stored_status in ('paid', 'transferred') then 1 else 0 end)::int as paid
    from held h
    left join enrollment.v_enrollment_facts e on e.id_number = h.id_number and e.year = h.year
    group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
  daily_counters: sql`
    select year, village_code, paid_on as day, count(*)::int as paid, sum(personal_fen)::bigint as personal_fen,
           sum(assistance_fen)::bigint as assistance_fen, sum(fiscal_subsidy_fen)::bigint as fiscal_fen
    from enrollment.v_enrollment_facts
    where stored_status in ('paid', 'transferred') and paid_on is not null
    group by 1, 2, 3 order by 1, 2, 3`,
  channel_counters: sql`
    select year, village_code, paid_on as day, channel,
           sum(case when reversed then 0 else 1 end)::int as payments,
           sum(case when reversed then 0 else amount_fen end)::bigint as amount_fen,
           sum(case when reversed then 0 else assistance_fen end)::bigint as assistance_fen,
           sum(case when reversed then 1 else 0 end)::int as reversals,
           sum(case when reversed then amount_fen else 0 end)::bigint as reversed_fen
    from payment.v_payments where village_code is not null
    group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
} as const;

const KEYS: Record<keyof typeof EXPECTED, string> = {
  village_counters: 'year, village_code',
  group_counters: 'year, village_code, identity_code, department',
  daily_counters: 'year, village_code, day',
  channel_counters: 'year, village_code, day, channel',
};

type Rows = Array<Record<string, unknown>>;

async function counted(table: keyof typeof EXPECTED): Promise<Rows> {
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(`reporting.${table}`)}
    order by ${sql.raw(KEYS[table])}`.execute(db);
  return rows.map(({ refreshed_at: _, ...r }) => r);
}

async function expected(table: keyof typeof EXPECTED): Promise<Rows> {
  return (await EXPECTED[table].execute(db)).rows as Rows;
}

/** Each table whose counters differ from the GROUP BY, with the first rows on either side that differ. */
async function differences(): Promise<string[]> {
  const out: string[] = [];
  for (const table of Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>) {
    const [have, want] = await Promise.all([counted(table), expected(table)]);
    const a = new Set(have.map((r) => JSON.stringify(r)));
    const b = new Set(want.map((r) => JSON.stringify(r)));
    const extra = [...a].filter((r) => !b.has(r)).slice(0, 3);
    const missing = [...b].filter((r) => !a.has(r)).slice(0, 3);
    if (extra.length + missing.length > 0)
      out.push(`${table}: counted ${extra.join(' ')} / expected ${missing.join(' ')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

type Op =
  | { kind: 'register'; p: number; year: number }
  | { kind: 'import'; ps: number[]; v: number | null; year: number }
  | { kind: 'pay'; p: number; year: number; day: number; channel: string }
  | { kind: 'reverse'; n: number }
  | { kind: 'cancel'; p: number; year: number }
  | { kind: 'transfer'; p: number; year: number }
  | { kind: 'target'; v: number; year: number; target: number }
  | { kind: 'certify'; p: number; label: number; v: number; early: boolean }
  | { kind: 'uncertify'; n: number; move: boolean; v: number }
  | { kind: 'deliver' };

/** Each run adds four people; its operations are on them and on the four of the run before. */
const NEW_PEOPLE = 4;
const WINDOW = 8;
const person = fc.nat(WINDOW - 1);
const village = fc.nat(VILLAGES.length - 1);
const year = fc.constantFrom(2025, 2025, 2024);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('register' as const), p: person, year }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      ps: fc.uniqueArray(person, { minLength: 1, maxLength: 3 }),
      v: fc.option(village),
      year,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      p: person,
      year,
      day: fc.nat(60),
      channel: fc.constantFrom('wechat', 'tax-window', 'collection-client'),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant('reverse' as const), n: fc.nat(1000) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), p: person, year }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('transfer' as const), p: person, year }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('target' as const),
      v: village,
      year: fc.constantFrom(2024, 2025, 2026),
      target: fc.nat(200),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('certify' as const),
      p: person,
      label: fc.nat(IDENTITY_LABELS.length - 1),
      v: village,
      early: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('uncertify' as const), n: fc.nat(1000), move: fc.boolean(), v: village }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const) }), weight: 2 },
);

const everyone: Person[] = [];
const LABEL_OF: Record<string, string> = { 'subsistence-allowance': '城乡低保对象', 'extreme-poverty': '特困人员' };
let periods = 0;

/** A registration import of a few people, each enrolled in `village` or, without one, their own. */
async function importRegistrations(people: Person[], village: string | null, year: number): Promise<void> {
  const rows = people.map((p) => `${p.idNumber},王伟,${village ?? p.village}`);
  const res = await enrollment.inject({
    method: 'POST',
    url: `/v1/registration-imports?year=${year}&wait=true`,
    headers: { ...office.headers, 'content-type': 'text/csv' },
    payload: ['身份证号,姓名,村(社区)代码', ...rows].join('\n'),
  });
  expectOk('importing registrations', res, [409, 422]);
}

async function run(ops: readonly Op[], g: Gen): Promise<void> {
  // The runs add up on one database, and every figure is checked after each.
  for (let i = 0; i < NEW_PEOPLE; i++) {
    everyone.push({
      idNumber: newIdNumber(),
      village: VILLAGES[i % VILLAGES.length] as string,
      created: false,
      payments: [],
    });
  }
  const people = everyone.slice(-WINDOW);
  const at = (i: number) => people[i % people.length] as Person;
  for (const o of ops) {
    switch (o.kind) {
      case 'register':
        await register(at(o.p), o.year);
        break;
      case 'import':
        await importRegistrations(
          o.ps.map(at).filter((p, i, all) => all.indexOf(p) === i),
          o.v === null ? null : (VILLAGES[o.v] as string),
          o.year,
        );
        break;
      case 'pay':
        await pay(at(o.p), o.year, o.day, o.channel);
        break;
      case 'reverse': {
        // Any payment standing, of this run or an earlier one.
        const standing = everyone.flatMap((p) => p.payments.filter((x) => !x.reversed).map(() => p));
        const owner = standing[o.n % Math.max(1, standing.length)];
        if (owner) await reverse(owner);
        break;
      }
      case 'cancel': {
        const res = await asOffice(enrollment, 'POST', `/v1/enrolments/${at(o.p).idNumber}/${o.year}/cancel`, {
          reason: 'moved',
          on: `${o.year - 1}-12-01`,
        });
        expectOk('cancelling', res, [404, 409, 422]);
        break;
      }
      case 'transfer': {
        const res = await asOffice(enrollment, 'POST', `/v1/enrolments/${at(o.p).idNumber}/${o.year}/transfer`, {
          employeeCoverFrom: `${o.year}-07-01`,
        });
        expectOk('transferring', res, [404, 409, 422]);
        break;
      }
      case 'target': {
        const res = await asOffice(enrollment, 'PUT', '/v1/targets', {
          year: o.year,
          targets: [{ regionCode: VILLAGES[o.v], target: o.target }],
        });
        expectOk('setting a target', res);
        break;
      }
      case 'certify':
      case 'uncertify': {
        // Civil affairs' monthly deltas, one month after another through 2025: a spell ended or moved
        // without a date of its own ends the day before the month.
        periods += 1;
        const period = `2025-${String((periods % 12) + 1).padStart(2, '0')}`;
        if (o.kind === 'certify') {
          const from = o.early ? '2024-06-01' : '2025-03-01';
          const label = IDENTITY_LABELS[o.label] as string;
          await identityChange(at(o.p), 'add', label, VILLAGES[o.v] as string, from, period);
          break;
        }
        const { rows } = await sql<{ id_number: string; identity_code: string }>`
          select id_number, identity_code from identity.v_identity_spells
          where department = 'civil-affairs' and valid_to is null order by id_number, identity_code`.execute(db);
        const spell = rows[o.n % Math.max(1, rows.length)];
        if (!spell) break;
        const holder = everyone.find((p) => p.idNumber === spell.id_number) as Person;
        const label = LABEL_OF[spell.identity_code] as string;
        await identityChange(holder, o.move ? 'move' : 'remove', label, VILLAGES[o.v] as string, '', period);
        break;
      }
      case 'deliver':
        await deliver(g, false);
        break;
    }
  }
  await deliver(g, true);
  const found = await differences();
  if (found.length > 0) throw new Error(`counters differ from the GROUP BY:\n${found.join('\n')}`);
}

t.test('after a random mix of writes, delivered in any order, every counter equals the GROUP BY', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 8, maxLength: 15 }), fc.gen(), (ops, g) => run(ops, g)),
    { numRuns: 15, endOnFailure: true },
  );
  // What the runs built up: enough of each kind of figure that the comparison meant something.
  const sizes = await Promise.all((Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>).map(counted));
  t.ok(
    sizes[0]?.some((r) => Number(r.paid) > 0),
    'some village counted a paid enrolment',
  );
  t.ok(
    sizes[1]?.some((r) => Number(r.certified) > 0),
    'special groups counted',
  );
  t.ok((sizes[2]?.length ?? 0) > 0, 'days paid counted');
  t.ok(sizes[3]?.some((r) => Number(r.reversals) > 0) || sizes[3]?.length, 'channels counted');
  for (const [i, table] of (Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>).entries()) {
    t.same(sizes[i], await expected(table), `${table} equals the GROUP BY`);
  }
  const check = await reporting.inject({ method: 'GET', url: '/v1/counters/check', headers: admin.headers });
  t.same(check.json(), { equal: true, differences: [] }, "and the service's own check agrees");
});

t.test('deliveries racing writes to one village, and rebuilds among them, lose no update', async (t) => {
  const VILLAGE = VILLAGES[1];
  const people: Person[] = Array.from({ length: 24 }, () => ({
    idNumber: newIdNumber(),
    village: VILLAGE,
    created: false,
    payments: [],
  }));
  // Whatever earlier tests left waiting is delivered first: each worker below delivers only its own.
  for (const batch of await undelivered()) {
    await post(batch);
    for (const e of batch.events) deliveredIds.get(batch.source)?.add(e.id);
  }

  /** This person's events not delivered yet, posted as soon as the write that recorded them returned. */
  async function deliverOwn(p: Person): Promise<void> {
    for (const { source, schema } of SOURCES) {
      const { rows } = await sql<{ id: string; topic: string; payload: Record<string, unknown>; created_at: Date }>`
        select id, topic, payload, created_at from ${sql.id(schema, 'outbox')}
        where payload->>'idNumber' = ${p.idNumber} order by id`.execute(db);
      const seen = deliveredIds.get(source) as Set<number>;
      const events = rows
        .filter((r) => !seen.has(Number(r.id)))
        .map((r) => ({
          id: Number(r.id),
          topic: r.topic,
          payload: r.payload,
          createdAt: new Date(r.created_at).toISOString(),
        }));
      for (const e of events) seen.add(e.id);
      if (events.length > 0) await post({ source, events });
    }
  }

  // A village of some size, so each refresh reads a few thousand enrolments while others write.
  const crowd = Array.from({ length: 2000 }, () => newIdNumber());
  expectOk(
    'importing the village',
    await enrollment.inject({
      method: 'POST',
      url: '/v1/registration-imports?year=2025&wait=true',
      headers: { ...office.headers, 'content-type': 'text/csv' },
      payload: ['身份证号,姓名,村(社区)代码', ...crowd.map((id) => `${id},王伟,${VILLAGE}`)].join('\n'),
    }),
  );
  for (const batch of await undelivered()) {
    await post(batch);
    for (const e of batch.events) deliveredIds.get(batch.source)?.add(e.id);
  }

  // Registrations delivered as they happen, with rebuilds among them; then payments and
  // cancellations delivered as they happen, the last writes with no rebuild after them.
  let rebuilds = 0;
  await Promise.all([
    ...people.map(async (p) => {
      await register(p, 2025);
      await deliverOwn(p);
    }),
    (async () => {
      for (let i = 0; i < 3; i++) {
        expectOk(
          'rebuilding',
          await reporting.inject({ method: 'POST', url: '/v1/counters/rebuild', headers: admin.headers }),
        );
        rebuilds += 1;
      }
    })(),
  ]);
  await Promise.all(
    people.map(async (p, i) => {
      if (i % 4 === 3) {
        const res = await asOffice(enrollment, 'POST', `/v1/enrolments/${p.idNumber}/2025/cancel`, {
          reason: 'duplicate',
          on: '2024-12-01',
        });
        expectOk('cancelling', res);
      } else {
        await pay(p, 2025, i, 'wechat');
      }
      await deliverOwn(p);
    }),
  );
  t.equal(rebuilds, 3);
  // Nothing delivered again, no rebuild after the last write: the counters kept up on their own.
  t.same(await differences(), []);
  const row = (await counted('village_counters')).find((r) => r.year === 2025 && r.village_code === VILLAGE);
  t.ok(Number(row?.paid) >= 1 && Number(row?.cancelled) >= 4, 'the village counted the writes');
});
