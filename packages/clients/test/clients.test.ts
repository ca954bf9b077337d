import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, freePort } from '@rmi/db';
import enrollmentApp, { SERVICE as ENROLLMENT, EnrollmentConfigSchema } from '@rmi/enrollment/app';
import paymentApp, { SERVICE as PAYMENT, PaymentConfigSchema } from '@rmi/payment-reconciliation/app';
import reportingApp, { SERVICE as REPORTING } from '@rmi/reporting/app';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import subsidyIdentityApp, {
  SERVICE as SUBSIDY_IDENTITY,
  SubsidyIdentityConfigSchema,
} from '@rmi/subsidy-identity/app';
import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import { z } from 'zod';
import {
  createEnrollmentClient,
  createHttpClient,
  createPaymentClient,
  createReportingClient,
  createSubsidyIdentityClient,
  ServiceError,
} from '../src/index.js';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The rejection of a call that must fail, so its fields can be checked one by one. */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

// The four services on one database clone, listening on real sockets as in production.
const tdb = await createTestDatabase();
const config = testConfig();
const apps = {
  enrollment: await buildApp(ENROLLMENT, enrollmentApp, {
    db: tdb.db,
    config: testConfig({}, EnrollmentConfigSchema),
  }),
  subsidyIdentity: await buildApp(SUBSIDY_IDENTITY, subsidyIdentityApp, {
    db: tdb.db,
    config: testConfig({}, SubsidyIdentityConfigSchema),
  }),
  payment: await buildApp(PAYMENT, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) }),
  reporting: await buildApp(REPORTING, reportingApp, { db: tdb.db, config }),
};
const urls = {
  enrollment: await listen(apps.enrollment),
  subsidyIdentity: await listen(apps.subsidyIdentity),
  payment: await listen(apps.payment),
  reporting: await listen(apps.reporting),
};
const admin = await createTestKey(tdb.db, 'admin');
const closers: Array<() => Promise<void>> = [];
/** Registers a client for closing at the end, so no socket outlives the test. */
function track<C extends { close(): Promise<void> }>(client: C): C {
  closers.push(() => client.close());
  return client;
}
t.teardown(async () => {
  await Promise.all(closers.map((close) => close()));
  await Promise.all(Object.values(apps).map((app) => app.close()));
  await tdb.destroy();
});

const enrollment = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: admin.key }));
const subsidy = track(createSubsidyIdentityClient({ baseUrl: urls.subsidyIdentity, apiKey: admin.key }));
const payment = track(createPaymentClient({ baseUrl: urls.payment, apiKey: admin.key }));

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';

t.test('every client parses its service’s health and readiness', async (t) => {
  const reporting = track(createReportingClient({ baseUrl: urls.reporting }));
  const clients = [
    [ENROLLMENT, enrollment],
    [SUBSIDY_IDENTITY, subsidy],
    [PAYMENT, payment],
    [REPORTING, reporting],
  ] as const;
  for (const [service, client] of clients) {
    t.match(await client.health(), { status: 'ok', service }, `${service} health`);
    t.same(
      await client.ready(),
      { status: 'ready', service, checks: { database: 'ok', migrations: 'current' } },
      `${service} ready`,
    );
  }
});

t.test('an admin creates a key through the client; the key works until it is revoked', async (t) => {
  const created = await enrollment.createApiKey({
    name: '栗子乡 operator',
    role: 'township-operator',
    regionCode: LIZI,
  });
  t.match(created, { role: 'township-operator', regionCode: LIZI, department: null });
  t.match(created.key, /^rmi_/);

  const township = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: created.key }));
  const region = await township.getRegion(LIZI);
  t.equal(region.name, '栗子乡');
  t.equal(region.level, 'township');
  t.ok(
    region.children.some((c) => c.code === LIZI_VILLAGE),
    'villages listed',
  );
  t.same(
    region.path.map((r) => r.level),
    ['province', 'city', 'county'],
  );

  const listed = (await enrollment.listApiKeys()).find((k) => k.id === created.id);
  t.match(listed, { name: '栗子乡 operator', revokedAt: null });

  await enrollment.revokeApiKey(created.id);
  const revoked = await failure(township.getRegion(LIZI));
  t.ok(revoked instanceof ServiceError);
  t.match(revoked, { status: 401, code: 'KEY_REVOKED' });

  const missing = await failure(enrollment.revokeApiKey('00000000-0000-4000-8000-000000000000'));
  t.match(missing, { status: 404, code: 'API_KEY_NOT_FOUND', path: '/v1/api-keys/:id' });
});

t.test('a 401 becomes a ServiceError UNAUTHENTICATED with the request id', async (t) => {
  for (const apiKey of [undefined, 'rmi_not-a-real-key']) {
    const client = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey }));
    const err = await failure(client.listApiKeys());
    t.ok(err instanceof ServiceError, 'a ServiceError');
    t.ok(err instanceof Error, 'an Error');
    t.match(err, {
      name: 'ServiceError',
      status: 401,
      code: 'UNAUTHENTICATED',
      detail: /API key is required/,
      method: 'GET',
      path: '/v1/api-keys',
      errors: [],
    });
    t.match(err.message, /API key is required/);
    t.match(err.requestId, /^[0-9a-f-]{36}$/, 'the service’s request id');
  }
  const anonymous = track(createSubsidyIdentityClient({ baseUrl: urls.subsidyIdentity }));
  const traced = await failure(anonymous.listIdentityTypes({}, { requestId: 'trace-4711' }));
  t.match(traced, { code: 'UNAUTHENTICATED', requestId: 'trace-4711' }, 'a caller’s request id is kept');
});

t.test('persons are created and read back; problems keep their code and field errors', async (t) => {
  const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI });
  const client = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: lizi.key }));
  const person = await client.createPerson({
    idNumber: '11010519491231002x',
    name: '王秀英',
    hukouRegionCode: LIZI_VILLAGE,
  });
  t.match(person, { idNumber: '11010519491231002X', sex: 'female', birthDate: '1949-12-31', category: 'resident' });
  t.same(await client.getPerson('11010519491231002X'), person);

  const twice = await failure(
    client.createPerson({ idNumber: '11010519491231002X', name: '王秀英', hukouRegionCode: LIZI_VILLAGE }),
  );
  t.match(twice, { status: 409, code: 'PERSON_EXISTS', method: 'POST', path: '/v1/persons' });

  const invalid = await failure(
    client.createPerson({ idNumber: '110105194912310021', name: '', hukouRegionCode: '5' }),
  );
  t.match(invalid, { status: 400, code: 'VALIDATION_FAILED' });
  const paths = (invalid.errors as Array<{ path: string }>).map((e) => e.path);
  t.ok(paths.includes('body.idNumber') && paths.includes('body.name'), `every bad field: ${paths.join(', ')}`);

  const unknown = await failure(client.getPerson('110101199003070011'));
  t.match(unknown, { status: 404, code: 'PERSON_NOT_FOUND', path: '/v1/persons/:idNumber' });
  t.notMatch(unknown.message, '110101199003070011', 'no ID number in the message');
});

t.test('a payment is applied through the client once, however often it is sent', async (t) => {
  const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI });
  const service = await createTestKey(tdb.db, 'service');
  const operator = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: lizi.key }));
  const payments = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: service.key }));
  const idNumber = '44011320141005001X';
  await operator.createPerson({
    idNumber,
    name: '李小明',
    hukouRegionCode: LIZI_VILLAGE,
    category: 'student',
    school: '栗子小学',
  });
  const quote = await operator.quote({ regionCode: LIZI_VILLAGE, year: 2025, paidOn: '2024-10-15' });
  t.match(quote, { policyId: 'cq-2025', personalFen: 40000 });
  t.match(await operator.registerEnrolment({ idNumber, year: 2025 }), { status: 'registered' });
  const body = { idNumber, year: 2025, paidOn: '2024-10-15', amountFen: quote.personalFen };
  const first = await payments.applyEnrolmentPayment('POS-CLIENT-1', body);
  const again = await payments.applyEnrolmentPayment('POS-CLIENT-1', body);
  t.match(first, { applied: true, enrolment: { paymentId: 'POS-CLIENT-1', benefitStart: '2025-01-01' } });
  t.match(again, { applied: false, enrolment: first.enrolment });
  t.same(await operator.getEnrolment(idNumber, 2025), first.enrolment);
  const stranger = await failure(
    payments.applyEnrolmentPayment('POS-CLIENT-2', { ...body, idNumber: '110101199003070011' }),
  );
  t.match(stranger, { status: 404, code: 'PERSON_NOT_FOUND', path: '/v1/enrolment-payments/:paymentId' });
});

t.test('payments are applied in a batch and reversed through the client', async (t) => {
  const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI });
  const service = await createTestKey(tdb.db, 'service');
  const operator = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: lizi.key }));
  const payments = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: service.key }));
  const [paying, mistaken] = ['050', '051'].map((n) => `50023019800101${n}${checkCharacter(`50023019800101${n}`)}`);
  for (const idNumber of [paying, mistaken] as string[]) {
    await operator.createPerson({ idNumber, name: '赵敏', hukouRegionCode: LIZI_VILLAGE });
  }
  const { personalFen } = await operator.quote({ regionCode: LIZI_VILLAGE, year: 2025, paidOn: '2024-10-20' });
  const items = [
    {
      paymentId: 'BATCH-CLIENT-1',
      idNumber: paying as string,
      year: 2025,
      paidOn: '2024-10-20',
      amountFen: personalFen,
    },
    { paymentId: 'BATCH-CLIENT-2', idNumber: mistaken as string, year: 2025, paidOn: '2024-10-20', amountFen: 1 },
  ];
  const first = await payments.applyEnrolmentPayments(items);
  t.match(first.results, [
    { paymentId: 'BATCH-CLIENT-1', status: 'applied', enrolment: { idNumber: paying, paymentId: 'BATCH-CLIENT-1' } },
    { paymentId: 'BATCH-CLIENT-2', status: 'refused', code: 'AMOUNT_MISMATCH', details: { expectedFen: personalFen } },
  ]);
  const again = await payments.applyEnrolmentPayments(items);
  t.same(
    again.results.map((r) => r.status),
    ['already-applied', 'refused'],
  );

  const body = { reversedOn: '2024-10-25', reason: '税务冲正' };
  const reversal = await payments.reverseEnrolmentPayment('BATCH-CLIENT-1', body);
  t.match(reversal, { reversed: true, enrolment: { status: 'registered', paymentId: null, paidFen: null } });
  t.match(await payments.reverseEnrolmentPayment('BATCH-CLIENT-1', body), { reversed: false });
  t.same(await operator.getEnrolment(paying as string, 2025), reversal.enrolment);
  const unknown = await failure(payments.reverseEnrolmentPayment('NEVER-APPLIED', body));
  t.match(unknown, {
    status: 404,
    code: 'PAYMENT_NOT_FOUND',
    path: '/v1/enrolment-payments/:paymentId/reversal',
  });
  const empty = await failure(payments.applyEnrolmentPayments([]));
  t.match(empty, { status: 400, code: 'VALIDATION_FAILED', errors: [{ path: 'body.items' }] });
});

t.test('targets are set, listed and refused through the client', async (t) => {
  const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI });
  const client = track(createEnrollmentClient({ baseUrl: urls.enrollment, apiKey: lizi.key }));
  const written = await client.setTargets({ year: 2027, targets: [{ regionCode: LIZI_VILLAGE, target: 120 }] });
  t.match(written, { year: 2027, inserted: 1, total: 120 });
  const listed = await client.listTargets({ year: 2027 });
  t.match(listed, { regionCode: LIZI, total: 120, targets: [{ regionCode: LIZI_VILLAGE, target: 120 }] });
  const bad = await failure(client.setTargets({ year: 2027, targets: [{ regionCode: '500230102001', target: -1 }] }));
  t.match(bad, { status: 422, code: 'TARGETS_INVALID' });
  t.ok((bad.errors as unknown[]).length >= 2, 'every bad field of the row');
});

t.test('subsidy-identity and payment clients read their reference data', async (t) => {
  const types = await subsidy.listIdentityTypes();
  t.equal(types.length, 21);
  const veterans = await subsidy.listIdentityTypes({ department: 'veterans-affairs' });
  t.ok(veterans.length > 0 && veterans.every((x) => x.department === 'veterans-affairs'));
  t.same(await subsidy.resolveIdentities(['城乡低保对象', '村干部']), {
    codes: ['subsistence-allowance'],
    unknown: ['村干部'],
  });
  const bad = await failure(subsidy.resolveIdentities([]));
  t.match(bad, { status: 400, code: 'VALIDATION_FAILED' });

  const channels = await payment.listChannels();
  t.ok(channels.some((c) => c.code === 'cash' && c.kind === 'cash'));
});

t.test(
  'a department’s list goes through the subsidy-identity client, and everything about it comes back',
  async (t) => {
    const feedKey = await createTestKey(tdb.db, 'department-feed', { department: 'civil-affairs' });
    const civil = track(createSubsidyIdentityClient({ baseUrl: urls.subsidyIdentity, apiKey: feedKey.key }));
    const id = `50023019800101003${checkCharacter('50023019800101003')}`;
    const csv = `身份证号码,姓名,身份类别,村（居）,纳入时间\r\n${id},王伟,城乡低保对象,${LIZI_VILLAGE},2024-10-01\r\n`;
    const file = { data: csv, contentType: 'text/csv' };
    const applied = await civil.postFeedBatch('civil-affairs', file, { mode: 'snapshot', period: '2024-11' });
    t.match(applied, { status: 'applied', counts: { added: 1 } });
    t.match(
      await civil.postFeedBatch(
        'civil-affairs',
        file,
        { mode: 'snapshot', period: '2024-11' },
        { idempotencyKey: 'k-1' },
      ),
      { status: 'unchanged', batchId: applied.batchId },
      'the same bytes again: unchanged',
    );
    t.ok((await civil.listFeedBatches({ department: 'civil-affairs' })).some((b) => b.batchId === applied.batchId));
    t.match(await civil.feedBatchDiff(applied.batchId), { rows: [{ idNumber: id, change: 'added' }] });
    const xlsx = await civil.downloadFeedBatchDiff(applied.batchId, 'xlsx');
    t.same([...xlsx.bytes.subarray(0, 2)], [0x50, 0x4b], 'an XLSX (zip) download');
    t.match(await subsidy.personIdentities(id, { on: '2024-11-15', year: 2025 }), {
      identities: [{ code: 'subsistence-allowance' }],
      assistance: { identity: 'subsistence-allowance', assistanceFen: 36000 },
    });
    t.match(await subsidy.personIdentityHistory(id), { spells: [{ code: 'subsistence-allowance', name: '王伟' }] });
    t.match(await civil.getFeedSettings('civil-affairs'), { maxRemovalShare: 0.2, minRowShare: 0.8 });
    const refused = await civil
      .postFeedBatch(
        'civil-affairs',
        { data: 'a,b\r\n1,2\r\n', contentType: 'text/csv' },
        { mode: 'snapshot', period: '2024-12' },
      )
      .catch((err: unknown) => err);
    t.match(refused, { name: 'ServiceError', status: 422, code: 'MISSING_COLUMNS' });
    const roster = await subsidy.downloadRoster('csv', {
      department: 'civil-affairs',
      regionCode: LIZI,
      year: 2025,
      on: '2024-11-15',
    });
    t.match(roster.contentType, /^text\/csv/);
  },
);

t.test('the reporting client returns data and turns GraphQL errors into ServiceErrors', async (t) => {
  const dashboard = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  const reporting = track(createReportingClient({ baseUrl: urls.reporting, apiKey: dashboard.key }));
  const data = await reporting.graphql<{ region: { name: string; level: string } }>(
    'query ($code: String!) { region(code: $code) { name level } }',
    { code: LIZI },
  );
  t.same(data, { region: { name: '栗子乡', level: 'township' } });

  const checked = await reporting.graphql('{ region(code: "500230") { name } }', undefined, {
    schema: z.object({ region: z.object({ name: z.string() }) }),
  });
  t.equal(checked.region.name, '丰都县');
  const mismatch = await failure(
    reporting.graphql('{ region(code: "500230") { name } }', undefined, {
      schema: z.object({ region: z.object({ name: z.number() }) }),
    }),
  );
  t.match(mismatch, { code: 'INVALID_RESPONSE', errors: [{ path: 'response.data.region.name' }] });

  const outside = await failure(reporting.graphql('{ region(code: "141181") { name } }'));
  t.ok(outside instanceof ServiceError);
  t.match(outside, { status: 200, code: 'OUT_OF_SCOPE', errors: [{ path: 'region', code: 'OUT_OF_SCOPE' }] });

  const syntax = await failure(reporting.graphql('{ region(code: '));
  t.match(syntax, { status: 400, code: 'VALIDATION_FAILED' });

  const collector = await createTestKey(tdb.db, 'collector', { regionCode: LIZI_VILLAGE });
  const refused = track(createReportingClient({ baseUrl: urls.reporting, apiKey: collector.key }));
  t.match(await failure(refused.graphql('{ regions { code } }')), { status: 403, code: 'FORBIDDEN_ROLE' });
});

// A bare server whose failures the tests script, counting the attempts each route receives.
const bare = Fastify({ forceCloseConnections: true });
const attempts = new Map<string, number>();
const hit = (route: string) => {
  const n = (attempts.get(route) ?? 0) + 1;
  attempts.set(route, n);
  return n;
};
const problem = (status: number, code: string) => ({
  type: `urn:rmi:problem:${code.toLowerCase()}`,
  title: 'Service Unavailable',
  status,
  code,
  detail: `scripted ${code}`,
});
bare.get('/health', async (_request, reply) => {
  if (hit('/health') === 1) return reply.code(503).type('application/problem+json').send(problem(503, 'RESTARTING'));
  return { status: 'ok', service: 'bare', version: '0' };
});
bare.get('/ready', async (_request, reply) => {
  hit('/ready');
  return reply.code(503).send({
    status: 'not-ready',
    service: 'bare',
    checks: { database: 'ok', migrations: 'pending' },
    pendingMigrations: ['0042_later'],
  });
});
bare.get('/v1/channels', async (_request, reply) => {
  hit('/v1/channels');
  return reply.code(503).type('application/problem+json').send(problem(503, 'OVERLOADED'));
});
bare.post('/v1/identity-types/resolve', async (_request, reply) => {
  hit('/v1/identity-types/resolve');
  return reply.code(503).type('application/problem+json').send(problem(503, 'OVERLOADED'));
});
bare.get('/v1/identity-types', async () => {
  hit('/v1/identity-types');
  return [{ code: 'x', labels: 'not a list', department: 'civil-affairs', cqAssistanceCode: null }];
});
bare.get('/gateway', async (_request, reply) => {
  hit('/gateway');
  return reply.code(502).type('text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
});
bare.get('/crash', async (_request, reply) => {
  hit('/crash');
  return reply.code(500).send({ oops: true });
});
bare.get('/text', async (_request, reply) => {
  hit('/text');
  return reply.type('text/plain').send('ok');
});
bare.get('/drop-once', async (request, reply) => {
  if (hit('/drop-once') === 1) {
    reply.hijack();
    request.raw.socket.destroy();
    return;
  }
  return { ok: true };
});
bare.post('/drop', async (request, reply) => {
  hit('/drop');
  reply.hijack();
  request.raw.socket.destroy();
});
bare.get('/slow', async () => {
  hit('/slow');
  // Unreferenced, so the abandoned answer does not hold the test process open.
  await sleep(5_000, undefined, { ref: false });
  return { ok: true };
});
const bareUrl = await listen(bare);
t.teardown(() => bare.close());
t.beforeEach(() => attempts.clear());

const fast = { baseUrl: bareUrl, retryDelay: 5 };
const Ok = z.object({ ok: z.literal(true) });

t.test('a GET is retried after a 503 and then succeeds', async (t) => {
  const client = track(createPaymentClient(fast));
  t.match(await client.health(), { status: 'ok', service: 'bare' });
  t.equal(attempts.get('/health'), 2);
});

t.test('a GET that keeps failing is tried 1 + retries times and keeps the last problem', async (t) => {
  const client = track(createPaymentClient(fast));
  const err = await failure(client.listChannels());
  t.ok(err instanceof ServiceError);
  t.match(err, { status: 503, code: 'OVERLOADED', detail: 'scripted OVERLOADED' });
  t.equal(attempts.get('/v1/channels'), 3, 'default of 2 retries');

  attempts.clear();
  const once = track(createPaymentClient({ ...fast, retries: 0 }));
  await failure(once.listChannels());
  t.equal(attempts.get('/v1/channels'), 1, 'retries: 0');
});

t.test('a POST is never retried', async (t) => {
  const client = track(createSubsidyIdentityClient(fast));
  const err = await failure(client.resolveIdentities(['低保对象']));
  t.match(err, { status: 503, code: 'OVERLOADED', method: 'POST' });
  t.equal(attempts.get('/v1/identity-types/resolve'), 1);

  const http = track(createHttpClient(fast));
  const dropped = await failure(http.request({ method: 'POST', path: '/drop', body: {}, schema: Ok }));
  t.notOk(dropped instanceof ServiceError, 'a transport error stays undici’s');
  t.match(dropped, { code: /^(UND_ERR_SOCKET|ECONNRESET)$/ });
  t.equal(attempts.get('/drop'), 1);
});

t.test('a GET is retried after the connection drops', async (t) => {
  const http = track(createHttpClient(fast));
  t.same(await http.request({ method: 'GET', path: '/drop-once', schema: Ok }), { ok: true });
  t.equal(attempts.get('/drop-once'), 2);
});

t.test('a refused connection is retried, then thrown as undici reports it', async (t) => {
  const port = await freePort();
  const http = track(createHttpClient({ baseUrl: `http://127.0.0.1:${port}`, retryDelay: 20 }));
  const started = Date.now();
  const err = await failure(http.request({ method: 'GET', path: '/health', schema: Ok }));
  t.equal(err.code, 'ECONNREFUSED');
  t.ok(Date.now() - started >= 20 * (0.8 + 1.6), 'backed off between attempts');
});

t.test('a slow answer past the timeout throws and is not retried', async (t) => {
  const http = track(createHttpClient({ ...fast, timeout: 200 }));
  const started = Date.now();
  const err = await failure(http.request({ method: 'GET', path: '/slow', schema: Ok }));
  t.equal(err.code, 'UND_ERR_HEADERS_TIMEOUT');
  // undici's timeout clock ticks every ~0.5 s; the margin is for a loaded machine.
  t.ok(Date.now() - started < 3_000, 'gave up long before the answer');
  t.equal(attempts.get('/slow'), 1);
});

t.test('an answer that does not match its schema is INVALID_RESPONSE naming the field', async (t) => {
  const client = track(createSubsidyIdentityClient(fast));
  const err = await failure(client.listIdentityTypes());
  t.ok(err instanceof ServiceError);
  t.match(err, { status: 200, code: 'INVALID_RESPONSE', errors: [{ path: 'response.0.labels' }] });

  const http = track(createHttpClient(fast));
  t.match(await failure(http.request({ method: 'GET', path: '/text', schema: z.string() })), {
    code: 'INVALID_RESPONSE',
    detail: /expected JSON/,
  });
});

t.test('non-problem errors are UNEXPECTED_STATUS; a 500 is not retried', async (t) => {
  const http = track(createHttpClient(fast));
  const gateway = await failure(http.request({ method: 'GET', path: '/gateway', schema: Ok }));
  t.match(gateway, { status: 502, code: 'UNEXPECTED_STATUS', detail: /502 Bad Gateway/ });
  t.equal(attempts.get('/gateway'), 3, 'a 502 is retried');
  const crash = await failure(http.request({ method: 'GET', path: '/crash', schema: Ok }));
  t.match(crash, { status: 500, code: 'UNEXPECTED_STATUS' });
  t.equal(attempts.get('/crash'), 1);
});

t.test('a service that is up but not ready reports why instead of throwing', async (t) => {
  const client = track(createPaymentClient(fast));
  t.match(await client.ready(), { status: 'not-ready', checks: { migrations: 'pending' } });
  t.equal(attempts.get('/ready'), 1, 'a not-ready answer is not retried');
});

t.test('a base URL with a path prefix keeps it', async (t) => {
  const prefixed = Fastify();
  prefixed.get('/gateway/enrollment/health', async () => ({ status: 'ok', service: 'prefixed', version: '0' }));
  const url = await listen(prefixed);
  t.teardown(() => prefixed.close());
  const client = track(createEnrollmentClient({ baseUrl: `${url}/gateway/enrollment/` }));
  t.match(await client.health(), { service: 'prefixed' });
});
