// subsidy-identity and enrollment together, over real sockets on one database: a department's list
// decides the assistance a payment gets (contracts/identity-feeds.md, "Published view"; 003#五),
// and a death reported to subsidy-identity reaches enrollment through its outbox ("Deaths").
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createEnrollmentClient } from '@rmi/clients';
import { createPolicyStore, createTestDatabase } from '@rmi/db';
import enrollmentApp, { SERVICE as ENROLLMENT, EnrollmentConfigSchema } from '@rmi/enrollment/app';
import { encodeAs } from '@rmi/ingest';
import { waitFor } from '@rmi/outbox/testing';
import { checkCharacter, PolicyDocumentSchema } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import subsidyIdentityApp, {
  SERVICE as SUBSIDY_IDENTITY,
  SubsidyIdentityConfigSchema,
} from '@rmi/subsidy-identity/app';
import type { FastifyInstance } from 'fastify';
import t from 'tap';

const TOWNSHIP = '500230209'; // 栗子乡
const VILLAGE = '500230209200'; // 南江村村民委员会

const tdb = await createTestDatabase();
// The invented 2026 notice of test/fixtures, so a 2026 registration can stand unpaid when its person dies.
await createPolicyStore(tdb.db).store(
  PolicyDocumentSchema.parse(JSON.parse(readFileSync(new URL('fixtures/cq-2026.json', import.meta.url), 'utf8'))),
  { origin: 'api' },
);
const service = await createTestKey(tdb.db, 'service');
const address = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const enrollment = await buildApp(ENROLLMENT, enrollmentApp, {
  db: tdb.db,
  config: testConfig({}, EnrollmentConfigSchema),
});
await enrollment.listen({ port: 0, host: '127.0.0.1' });
const identity = await buildApp(SUBSIDY_IDENTITY, subsidyIdentityApp, {
  db: tdb.db,
  config: testConfig(
    {
      SERVICE_API_KEY: service.key,
      EVENT_SUBSCRIBERS: `enrollment=${address(enrollment)}/v1/events`,
      OUTBOX_POLL_MS: '50',
    },
    SubsidyIdentityConfigSchema,
  ),
});
await identity.listen({ port: 0, host: '127.0.0.1' });
t.teardown(async () => {
  await identity.close();
  await enrollment.close();
  await tdb.destroy();
});

const office = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const township = createEnrollmentClient({ baseUrl: address(enrollment), apiKey: office.key });
const payments = createEnrollmentClient({ baseUrl: address(enrollment), apiKey: service.key });
t.teardown(() => Promise.all([township.close(), payments.close()]));

let serial = 0;
async function resident(name: string): Promise<string> {
  serial += 1;
  const first17 = `500230198203${String(serial).padStart(2, '0')}${String(serial).padStart(3, '0')}`;
  const idNumber = first17 + checkCharacter(first17);
  await township.createPerson({ idNumber, name, hukouRegionCode: VILLAGE });
  return idNumber;
}

/** A department's list as civil affairs saves it from Excel: GB18030, Chinese headers, villages by name. */
async function postList(
  department: string,
  header: string,
  rows: string[][],
  query: string,
  path = `/v1/feeds/${department}/batches`,
) {
  const key = await createTestKey(tdb.db, 'department-feed', { department });
  const csv = `${[header, ...rows.map((r) => r.join(','))].join('\r\n')}\r\n`;
  const res = await fetch(`${address(identity)}${path}?${query}`, {
    method: 'POST',
    headers: { ...key.headers, 'content-type': 'text/csv' },
    body: encodeAs(csv, 'gb18030'),
  });
  return { status: res.status, body: await res.json() };
}

t.test(
  'a payment after civil affairs certified the payer as 低保 gets the assistance; the day after, none',
  async (t) => {
    const before = await resident('王伟');
    const after = await resident('李芳');
    const list = await postList(
      'civil-affairs',
      '身份证号码,姓名,身份类别,镇（街）,村（居）,纳入时间',
      [
        [before, '王伟', '城乡低保对象', '栗子乡', '南江村', '2024-10-01'],
        [after, '李芳', '城乡低保对象', '栗子乡', '南江村', '2024-11-16'],
      ],
      'mode=snapshot&period=2024-11',
    );
    t.equal(list.status, 201, JSON.stringify(list.body));
    t.match(list.body, { status: 'applied', counts: { added: 2 } });

    // cq-2025: tier 1 is 400 yuan, 低保 assisted with 360 (003#五(二)); both pay on 2024-11-15.
    const paid = await payments.applyEnrolmentPayment('NANJIANG-1', {
      idNumber: before,
      year: 2025,
      paidOn: '2024-11-15',
      amountFen: 4000,
    });
    t.match(paid.enrolment, {
      assistanceIdentity: 'subsistence-allowance',
      assistanceFen: 36000,
      personalFen: 4000,
    });
    const full = await payments.applyEnrolmentPayment('NANJIANG-2', {
      idNumber: after,
      year: 2025,
      paidOn: '2024-11-15',
      amountFen: 40000,
    });
    t.match(full.enrolment, { assistanceIdentity: null, assistanceFen: 0, personalFen: 40000 });
  },
);

t.test('a death reported to subsidy-identity cancels the unpaid registration in enrollment', async (t) => {
  const idNumber = await resident('张强');
  await township.registerEnrolment({ idNumber, year: 2026 });
  const res = await postList(
    'health',
    '身份证号码,姓名,死亡时间',
    [[idNumber, '张强', '2026-01-10']],
    '',
    '/v1/deaths',
  );
  t.equal(res.status, 200, JSON.stringify(res.body));
  const cancelled = await waitFor('the registration cancelled by the death', async () => {
    const e = await township.getEnrolment(idNumber, 2026);
    return e.status === 'cancelled' ? e : undefined;
  });
  t.match(cancelled, { status: 'cancelled', cancelReason: 'death' });
  t.equal((await township.getPerson(idNumber)).diedOn, '2026-01-10');
});
