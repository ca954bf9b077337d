import { z } from 'zod';
import { RegionCodeSchema } from './api-keys.js';
import { CivilDateSchema, PersonCategorySchema, VillageCodeSchema } from './persons.js';
import { TargetBasisSchema } from './targets.js';

/*
 * One schema per topic: what a publisher may put in an event's payload, and what a receiver reads
 * from it. Publishers check against the strict schemas (a field that is not listed is refused, so
 * a name or a phone cannot slip into an event); receivers read with `readEvent`, which ignores
 * fields a later publisher added, so the two sides can be deployed one after the other.
 */

/** An ID number as stored (18 characters, normalised when the person was registered). */
const IdNumber = z.string().regex(/^\d{17}[\dX]$/, 'an 18-character ID number');
const Year = z.number().int().min(2000).max(2100);
const Fen = z.number().int().min(0);
const Count = z.number().int().min(0);
const StoredEnrolmentStatus = z.enum(['registered', 'paid', 'cancelled', 'transferred']);

const personRegistered = z.strictObject({
  idNumber: IdNumber,
  hukouRegionCode: VillageCodeSchema,
  category: PersonCategorySchema,
  sex: z.enum(['male', 'female']),
  birthDate: CivilDateSchema,
  householdId: z.uuid().nullable(),
  diedOn: CivilDateSchema.nullable(),
});

const personUpdated = z.strictObject({
  idNumber: IdNumber,
  regionCode: VillageCodeSchema,
  /** Names of the fields that changed (`name`, `phone`, …, `leftHousehold`), never their values. */
  fields: z.array(z.string().min(1).max(64)).min(1),
});

const householdChanged = z.strictObject({
  householdId: z.uuid(),
  regionCode: VillageCodeSchema,
});

const enrolmentRegistered = z.strictObject({
  idNumber: IdNumber,
  year: Year,
  regionCode: VillageCodeSchema,
  tier: z.union([z.literal(1), z.literal(2)]),
});

/** Paid by the person (or for them): the amounts the quote fixed on the payment day. */
const enrolmentPaidByPayment = z.strictObject({
  idNumber: IdNumber,
  year: Year,
  regionCode: VillageCodeSchema,
  paymentId: z.string().min(1).max(200),
  personalFen: Fen,
  assistanceFen: Fen,
  assistanceIdentity: z.string().min(1).nullable(),
  benefitStart: CivilDateSchema,
  benefitEnd: CivilDateSchema,
});

/** A newborn covered from birth through a guardian's paid enrolment: nothing paid. */
const enrolmentCoveredByGuardian = z.strictObject({
  idNumber: IdNumber,
  year: Year,
  regionCode: VillageCodeSchema,
  basis: z.literal('guardian'),
  // The row's columns are nullable; this path always sets both.
  benefitStart: CivilDateSchema.nullable(),
  benefitEnd: CivilDateSchema.nullable(),
});

const enrolmentEnded = z.strictObject({
  idNumber: IdNumber,
  year: Year,
  regionCode: VillageCodeSchema,
  status: StoredEnrolmentStatus,
});

/** A payment reversed (冲正): the enrolment it paid is registered again, unpaid. No reason text: it is free text. */
const enrolmentUnpaid = z.strictObject({
  idNumber: IdNumber,
  year: Year,
  regionCode: VillageCodeSchema,
  paymentId: z.string().min(1).max(200),
  reversedOn: CivilDateSchema,
});

/** One event per applied import: subscribers read its rows from `enrollment.v_enrollment_facts`. */
const importApplied = z.strictObject({
  importId: z.uuid(),
  year: Year,
  personsCreated: Count,
  enrolmentsCreated: Count,
  householdsCreated: Count,
  unchanged: Count,
  rejected: Count,
  /**
   * The villages the file named, so a subscriber keeping counts by village recounts only those.
   * Optional: events recorded before it was added have none, and mean "any village".
   */
  villageCodes: z.array(VillageCodeSchema).max(100_000).optional(),
});

const targetSet = z.strictObject({
  year: Year,
  basis: TargetBasisSchema,
  basisDate: CivilDateSchema.nullable(),
  /** The region the targets were set for (the caller's scope or the one named). */
  regionCode: RegionCodeSchema,
  // Not strict inside: a publisher's extra key here is dropped (payloads are stored as parsed).
  targets: z.array(z.object({ regionCode: VillageCodeSchema, target: Count })),
});

/** What enrollment publishes, by topic. */
export const ENROLLMENT_EVENTS = {
  'person.registered': personRegistered,
  'person.updated': personUpdated,
  'household.changed': householdChanged,
  'enrolment.registered': enrolmentRegistered,
  'enrolment.paid': z.union([enrolmentPaidByPayment, enrolmentCoveredByGuardian]),
  'enrolment.cancelled': enrolmentEnded,
  'enrolment.transferred': enrolmentEnded,
  'enrolment.unpaid': enrolmentUnpaid,
  'import.applied': importApplied,
  'target.set': targetSet,
} as const;

const IdentityCode = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'an identity code');
const Department = z.string().regex(/^[a-z][a-z-]{1,62}$/, 'a department');

/** A person certified with an identity (a spell begins). Published by subsidy-identity. */
const identityAdded = z.strictObject({
  idNumber: IdNumber,
  identityCode: IdentityCode,
  department: Department,
  regionCode: VillageCodeSchema,
  validFrom: CivilDateSchema,
  validTo: CivilDateSchema.nullable(),
  batchId: z.uuid(),
});

/** A spell ended: absent from a snapshot, removed by a delta, ended on a date, or by death. */
const identityEnded = z.strictObject({
  idNumber: IdNumber,
  identityCode: IdentityCode,
  department: Department,
  regionCode: VillageCodeSchema,
  validTo: CivilDateSchema,
  reason: z.enum(['absent', 'removed', 'ended', 'death']),
  batchId: z.uuid().nullable(),
});

/** The identity is held on, in another village, from `validFrom`. */
const identityMoved = z.strictObject({
  idNumber: IdNumber,
  identityCode: IdentityCode,
  department: Department,
  fromRegionCode: VillageCodeSchema,
  regionCode: VillageCodeSchema,
  validFrom: CivilDateSchema,
  batchId: z.uuid(),
});

/** The certified dates of a spell were corrected. */
const identityChanged = z.strictObject({
  idNumber: IdNumber,
  identityCode: IdentityCode,
  department: Department,
  regionCode: VillageCodeSchema,
  validFrom: CivilDateSchema,
  validTo: CivilDateSchema.nullable(),
  batchId: z.uuid(),
});

/** A death reported by a department; enrollment sets `diedOn` and cancels unpaid registrations. */
const personDied = z.strictObject({
  idNumber: IdNumber,
  diedOn: CivilDateSchema,
  department: Department,
});

/** What subsidy-identity publishes, by topic. */
export const IDENTITY_EVENTS = {
  'identity.added': identityAdded,
  'identity.ended': identityEnded,
  'identity.moved': identityMoved,
  'identity.changed': identityChanged,
  'person.died': personDied,
} as const;

const Channel = z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'a channel code');
const PaymentId = z.string().min(1).max(100);

/** Money arrived (any channel): funding by channel and village. */
const paymentRecorded = z.strictObject({
  paymentId: PaymentId,
  channel: Channel,
  idNumber: IdNumber,
  year: Year,
  villageCode: VillageCodeSchema.nullable(),
  amountFen: Fen,
  assistanceFen: Fen,
  paidOn: CivilDateSchema,
});

/** A payment reversed (冲正): its money no longer counts. */
const paymentReversed = z.strictObject({
  paymentId: PaymentId,
  channel: Channel,
  idNumber: IdNumber,
  year: Year,
  villageCode: VillageCodeSchema.nullable(),
  amountFen: Fen,
  assistanceFen: Fen,
  reversedOn: CivilDateSchema,
});

/** Cash taken by a collector (a receipt); it is also a payment on channel `cash`. */
const cashReceived = z.strictObject({
  receiptNumber: z.string().min(1).max(100),
  paymentId: PaymentId,
  collector: z.string().min(1).max(200),
  villageCode: VillageCodeSchema.nullable(),
  amountFen: Fen,
  receivedOn: CivilDateSchema,
});

/** Cash banked: the receipts it covers are no longer held. */
const cashDeposited = z.strictObject({
  depositId: z.uuid(),
  collector: z.string().min(1).max(200),
  amountFen: Fen,
  depositedOn: CivilDateSchema,
  receiptNumbers: z.array(z.string().min(1).max(100)).min(1),
});

/**
 * What one import of an export recorded for one (village, channel, day): its payments paid that
 * day and its reversals (冲正) made that day, each counted with the whole sum that came in
 * (`paymentsFen`, `reversalsFen`: personal part and the part paid on the person's behalf), of
 * which `assistanceFen` was paid on the person's behalf. An import writes these instead of one
 * `payment.recorded` / `payment.reversed` per row; funding by channel and village adds them up.
 * Payments recorded one at a time (the API, cash) keep their own events.
 */
const paymentsImported = z.strictObject({
  importId: z.uuid(),
  villageCode: VillageCodeSchema.nullable(),
  channel: Channel,
  day: CivilDateSchema,
  payments: Count,
  paymentsFen: Fen,
  assistanceFen: Fen,
  reversals: Count,
  reversalsFen: Fen,
});

/** What payment-reconciliation publishes, by topic. */
export const PAYMENT_EVENTS = {
  'payment.recorded': paymentRecorded,
  'payment.reversed': paymentReversed,
  'cash.received': cashReceived,
  'cash.deposited': cashDeposited,
  'payments.imported': paymentsImported,
} as const;

/** Every topic of every publisher. A topic names one payload shape whichever service sends it. */
export const EVENT_PAYLOADS = { ...ENROLLMENT_EVENTS, ...IDENTITY_EVENTS, ...PAYMENT_EVENTS } as const;

export type EventTopic = keyof typeof EVENT_PAYLOADS;
export type EnrollmentTopic = keyof typeof ENROLLMENT_EVENTS;
export type IdentityTopic = keyof typeof IDENTITY_EVENTS;
export type PaymentTopic = keyof typeof PAYMENT_EVENTS;
export const EVENT_TOPICS = Object.keys(EVENT_PAYLOADS) as EventTopic[];

/** A topic's payload as read. */
export type EventPayload<T extends EventTopic> = z.output<(typeof EVENT_PAYLOADS)[T]>;
/** A topic's payload as a publisher writes it. */
export type EventPayloadInput<T extends EventTopic> = z.input<(typeof EVENT_PAYLOADS)[T]>;

/** An event of a known topic, narrowed by `topic` in a `switch`. */
export type KnownEvent = { [T in EventTopic]: { topic: T; payload: EventPayload<T> } }[EventTopic];

export type ReadEventResult =
  | { ok: true; event: KnownEvent }
  | { ok: false; reason: 'unknown-topic' }
  | { ok: false; reason: 'invalid-payload'; issues: z.core.$ZodIssue[] };

/** The tolerant variant of a publisher's schema: the same fields, any others dropped. */
function tolerant(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) return schema.strip();
  if (schema instanceof z.ZodUnion) return z.union(schema.options.map((o) => tolerant(o as z.ZodType)));
  return schema;
}

const READERS = Object.fromEntries(
  Object.entries(EVENT_PAYLOADS).map(([topic, schema]) => [topic, tolerant(schema)]),
) as Record<string, z.ZodType>;

/**
 * Reads a received event by its topic. A topic this build does not know is not an error of the
 * sender (a newer publisher may have added it): the caller decides to skip or keep it.
 */
export function readEvent(event: { topic: string; payload: unknown }): ReadEventResult {
  const reader = Object.hasOwn(READERS, event.topic) ? READERS[event.topic] : undefined;
  if (!reader) return { ok: false, reason: 'unknown-topic' };
  const parsed = reader.safeParse(event.payload);
  if (!parsed.success) return { ok: false, reason: 'invalid-payload', issues: parsed.error.issues };
  return { ok: true, event: { topic: event.topic, payload: parsed.data } as KnownEvent };
}
