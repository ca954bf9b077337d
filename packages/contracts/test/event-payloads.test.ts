import t from 'tap';
import {
  ENROLLMENT_EVENTS,
  EVENT_PAYLOADS,
  EVENT_TOPICS,
  type EventPayloadInput,
  type EventTopic,
  readEvent,
} from '../src/index.js';

const ID_NUMBER = '500230200001010018';
const VILLAGE = '500230209200';
const HOUSEHOLD = '3b241101-e2bb-4255-8caf-4136c566a962';
const IMPORT = '0198f7a4-8a5a-7c3e-9b1a-1234567890ab';

/** One payload per topic, as enrollment writes it today. */
const SAMPLES: { [T in EventTopic]: EventPayloadInput<T>[] } = {
  'person.registered': [
    {
      idNumber: ID_NUMBER,
      hukouRegionCode: VILLAGE,
      category: 'resident',
      sex: 'male',
      birthDate: '2000-01-01',
      householdId: HOUSEHOLD,
      diedOn: null,
    },
  ],
  'person.updated': [{ idNumber: ID_NUMBER, regionCode: VILLAGE, fields: ['name', 'phone', 'leftHousehold'] }],
  'household.changed': [{ householdId: HOUSEHOLD, regionCode: VILLAGE }],
  'enrolment.registered': [{ idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE, tier: 2 }],
  'enrolment.paid': [
    {
      idNumber: ID_NUMBER,
      year: 2026,
      regionCode: VILLAGE,
      paymentId: 'TAX-2025-0001',
      personalFen: 40_000,
      assistanceFen: 0,
      assistanceIdentity: null,
      benefitStart: '2026-01-01',
      benefitEnd: '2026-12-31',
    },
    {
      idNumber: ID_NUMBER,
      year: 2026,
      regionCode: VILLAGE,
      basis: 'guardian',
      benefitStart: '2026-03-02',
      benefitEnd: '2026-12-31',
    },
  ],
  'enrolment.cancelled': [{ idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE, status: 'cancelled' }],
  'enrolment.transferred': [{ idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE, status: 'transferred' }],
  'enrolment.unpaid': [
    { idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE, paymentId: 'TAX-2025-0001', reversedOn: '2026-03-12' },
  ],
  'import.applied': [
    {
      importId: IMPORT,
      year: 2026,
      personsCreated: 3,
      enrolmentsCreated: 3,
      householdsCreated: 1,
      unchanged: 0,
      rejected: 1,
    },
  ],
  'target.set': [
    {
      year: 2026,
      basis: 'hukou-population',
      basisDate: '2025-10-30',
      regionCode: '500230209',
      targets: [{ regionCode: VILLAGE, target: 850 }],
    },
  ],
  'identity.added': [
    {
      idNumber: ID_NUMBER,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: VILLAGE,
      validFrom: '2025-03-01',
      validTo: null,
      batchId: IMPORT,
    },
  ],
  'identity.ended': [
    {
      idNumber: ID_NUMBER,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: VILLAGE,
      validTo: '2025-03-31',
      reason: 'absent',
      batchId: IMPORT,
    },
  ],
  'identity.moved': [
    {
      idNumber: ID_NUMBER,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      fromRegionCode: VILLAGE,
      regionCode: '500230209201',
      validFrom: '2025-04-01',
      batchId: IMPORT,
    },
  ],
  'identity.changed': [
    {
      idNumber: ID_NUMBER,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: VILLAGE,
      validFrom: '2025-02-01',
      validTo: null,
      batchId: IMPORT,
    },
  ],
  'person.died': [{ idNumber: ID_NUMBER, diedOn: '2025-05-02', department: 'health' }],
  'payment.recorded': [
    {
      paymentId: 'pay-1',
      channel: 'wechat',
      idNumber: ID_NUMBER,
      year: 2025,
      villageCode: VILLAGE,
      amountFen: 40000,
      assistanceFen: 0,
      paidOn: '2024-11-02',
    },
  ],
  'payment.reversed': [
    {
      paymentId: 'pay-1',
      channel: 'wechat',
      idNumber: ID_NUMBER,
      year: 2025,
      villageCode: null,
      amountFen: 40000,
      assistanceFen: 0,
      reversedOn: '2024-11-03',
    },
  ],
  'cash.received': [
    {
      receiptNumber: 'R-1',
      paymentId: 'cash-R-1',
      collector: 'collector of 栗子村',
      villageCode: VILLAGE,
      amountFen: 40000,
      receivedOn: '2024-11-02',
    },
  ],
  'cash.deposited': [
    {
      depositId: HOUSEHOLD,
      collector: 'collector of 栗子村',
      amountFen: 40000,
      depositedOn: '2024-11-04',
      receiptNumbers: ['R-1'],
    },
  ],
  'payments.imported': [
    {
      importId: HOUSEHOLD,
      villageCode: VILLAGE,
      channel: 'tax-window',
      day: '2024-11-02',
      payments: 120,
      paymentsFen: 4_800_000,
      assistanceFen: 120_000,
      reversals: 1,
      reversalsFen: 40000,
    },
    {
      importId: HOUSEHOLD,
      villageCode: null,
      channel: 'assistance',
      day: '2024-11-03',
      payments: 0,
      paymentsFen: 0,
      assistanceFen: 0,
      reversals: 2,
      reversalsFen: 80000,
    },
  ],
};

t.test('every topic enrollment publishes has a schema, and today’s payloads fit it', async (t) => {
  t.same(Object.keys(ENROLLMENT_EVENTS).sort(), [
    'enrolment.cancelled',
    'enrolment.paid',
    'enrolment.registered',
    'enrolment.transferred',
    'enrolment.unpaid',
    'household.changed',
    'import.applied',
    'person.registered',
    'person.updated',
    'target.set',
  ]);
  t.same(EVENT_TOPICS.sort(), Object.keys(SAMPLES).sort());
  for (const topic of EVENT_TOPICS) {
    for (const payload of SAMPLES[topic]) {
      const parsed = EVENT_PAYLOADS[topic].safeParse(payload);
      t.ok(parsed.success, `${topic} ${JSON.stringify(payload)}`);
      t.same(parsed.data, payload, `${topic}: stored as written`);
    }
  }
});

t.test('a publisher cannot slip a field in, leave one out, or mix the two kinds of payment', async (t) => {
  const refused: Array<[EventTopic, Record<string, unknown>, RegExp, string]> = [
    [
      'person.registered',
      { ...SAMPLES['person.registered'][0], name: '张三', phone: '13812345678' },
      /Unrecognized keys: "name", "phone"/,
      'names and phones stay out of events',
    ],
    [
      'household.changed',
      { ...SAMPLES['household.changed'][0], idNumber: ID_NUMBER },
      /Unrecognized key: "idNumber"/,
      'no ID number where there was none',
    ],
    ['enrolment.registered', { idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE }, /tier/, 'the tier is required'],
    [
      'enrolment.registered',
      { idNumber: '500230 2000', year: 2026, regionCode: VILLAGE, tier: 3 },
      /18-character ID number[\s\S]*tier/,
      'an ID number as stored, tier 1 or 2',
    ],
    [
      'enrolment.paid',
      { ...SAMPLES['enrolment.paid'][0], basis: 'guardian' },
      /Invalid input/,
      'a payment and a guardian cover are two shapes, not one',
    ],
    [
      'enrolment.unpaid',
      { ...SAMPLES['enrolment.unpaid'][0], reason: '重复缴费' },
      /Unrecognized key: "reason"/,
      'a reversal’s free-text reason stays out of events',
    ],
    ['target.set', { ...SAMPLES['target.set'][0], basisDate: '30/10/2025' }, /basisDate/, 'civil dates are YYYY-MM-DD'],
    ['import.applied', { ...SAMPLES['import.applied'][0], rejected: -1 }, /rejected/, 'counts are not negative'],
  ];
  for (const [topic, payload, message, why] of refused) {
    const parsed = EVENT_PAYLOADS[topic].safeParse(payload);
    t.notOk(parsed.success, why);
    const said = (parsed.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    t.match(said, message, why);
  }
});

t.test('a receiver reads by topic, ignoring fields a later publisher added', async (t) => {
  const added = readEvent({
    topic: 'enrolment.registered',
    payload: { ...SAMPLES['enrolment.registered'][0], channel: 'tax-pos' },
  });
  t.ok(added.ok);
  if (added.ok && added.event.topic === 'enrolment.registered') {
    // Narrowed by the topic: `tier` is 1 | 2 here.
    const tier: 1 | 2 = added.event.payload.tier;
    t.equal(tier, 2);
    t.same(added.event.payload, SAMPLES['enrolment.registered'][0], 'the added field is dropped');
  }
  const guardian = readEvent({ topic: 'enrolment.paid', payload: SAMPLES['enrolment.paid'][1] });
  t.match(guardian, { ok: true, event: { payload: { basis: 'guardian' } } });

  t.same(readEvent({ topic: 'identity.renamed', payload: {} }), { ok: false, reason: 'unknown-topic' });
  t.same(readEvent({ topic: 'constructor', payload: {} }), { ok: false, reason: 'unknown-topic' });
  const broken = readEvent({ topic: 'household.changed', payload: { householdId: 'h1' } });
  t.match(broken, {
    ok: false,
    reason: 'invalid-payload',
    issues: [{ path: ['householdId'] }, { path: ['regionCode'] }],
  });
});

t.test('payload types refuse at compile time what the schemas refuse at run time', async (t) => {
  // Checked by `pnpm typecheck`: each line under a `@ts-expect-error` must not compile.
  const typed = <T extends EventTopic>(_topic: T, payload: EventPayloadInput<T>) => payload;
  typed('household.changed', { householdId: HOUSEHOLD, regionCode: VILLAGE });
  // @ts-expect-error no ID number in a household event
  typed('household.changed', { householdId: HOUSEHOLD, regionCode: VILLAGE, idNumber: ID_NUMBER });
  // @ts-expect-error the tier is 1 or 2
  typed('enrolment.registered', { idNumber: ID_NUMBER, year: 2026, regionCode: VILLAGE, tier: 3 });
  // @ts-expect-error not a topic
  typed('enrolment.refunded', {});
  t.equal(EVENT_PAYLOADS['household.changed'].safeParse({ householdId: HOUSEHOLD }).success, false);
});
