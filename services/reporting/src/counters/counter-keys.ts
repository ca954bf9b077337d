import { type DeliveredEvent, type KnownEvent, readEvent } from '@rmi/contracts';

/**
 * The counter rows a batch of events may have made stale, as the events name them. Some are
 * resolved against the views before the refresh (`resolve-keys.ts`): the villages of a year an
 * import did not name, and the villages where a person whose enrolment changed holds an identity.
 */
export interface TouchedKeys {
  /** `year:village` of village, daily and special-group counters. */
  villageYears: Set<string>;
  /** Years an import touched without naming its villages: every village of the year. */
  wholeYears: Set<number>;
  /** `year:village` an import touched: the identities of everyone enrolled there are recounted. */
  importedVillageYears: Set<string>;
  /** `year:idNumber` of enrolments that changed: counted in the special groups of their identity villages. */
  personYears: Set<string>;
  /** Villages whose special groups changed in every year counted (an identity spell changed). */
  groupVillages: Set<string>;
  /** `year:village` of channel counters. */
  channelYears: Set<string>;
  /** Villages whose channel counters changed in any year (an import of payments names no year). */
  channelVillages: Set<string>;
}

/** An event stored and left alone: a topic this build does not know, or a payload it cannot read. */
export interface IgnoredEvent {
  id: number;
  topic: string;
  reason: 'unknown-topic' | 'invalid-payload';
  /** Where the payload did not fit its topic's schema (field paths and messages, never values). */
  issues?: string[];
}

export const pairKey = (year: number, code: string) => `${year}:${code}`;

export function splitPair(key: string): [number, string] {
  const at = key.indexOf(':');
  return [Number(key.slice(0, at)), key.slice(at + 1)];
}

export function noKeys(): TouchedKeys {
  return {
    villageYears: new Set(),
    wholeYears: new Set(),
    importedVillageYears: new Set(),
    personYears: new Set(),
    groupVillages: new Set(),
    channelYears: new Set(),
    channelVillages: new Set(),
  };
}

const VILLAGE = /^\d{12}$/;

/** Adds what one event touches to `keys`. Topics that change no figure add nothing. */
function touch(keys: TouchedKeys, event: KnownEvent): void {
  switch (event.topic) {
    case 'enrolment.registered':
    case 'enrolment.paid':
    case 'enrolment.cancelled':
    case 'enrolment.transferred':
    case 'enrolment.unpaid': {
      const { year, regionCode, idNumber } = event.payload;
      keys.villageYears.add(pairKey(year, regionCode));
      keys.personYears.add(pairKey(year, idNumber));
      return;
    }
    case 'target.set': {
      const { year, regionCode, targets } = event.payload;
      if (VILLAGE.test(regionCode)) keys.villageYears.add(pairKey(year, regionCode));
      for (const t of targets) keys.villageYears.add(pairKey(year, t.regionCode));
      return;
    }
    case 'import.applied': {
      const { year, villageCodes } = event.payload;
      if (!villageCodes) {
        keys.wholeYears.add(year);
        return;
      }
      for (const code of villageCodes) {
        keys.villageYears.add(pairKey(year, code));
        keys.importedVillageYears.add(pairKey(year, code));
      }
      return;
    }
    case 'identity.added':
    case 'identity.ended':
    case 'identity.changed':
      keys.groupVillages.add(event.payload.regionCode);
      return;
    case 'identity.moved':
      keys.groupVillages.add(event.payload.fromRegionCode);
      keys.groupVillages.add(event.payload.regionCode);
      return;
    case 'payment.recorded':
    case 'payment.reversed': {
      const { year, villageCode } = event.payload;
      if (villageCode) keys.channelYears.add(pairKey(year, villageCode));
      return;
    }
    case 'payments.imported':
      if (event.payload.villageCode) keys.channelVillages.add(event.payload.villageCode);
      return;
    case 'person.registered':
    case 'person.updated':
    case 'person.died':
    case 'household.changed':
    case 'cash.received':
    case 'cash.deposited':
      return;
    default:
      // A topic added to the contracts without a case here fails to compile.
      event satisfies never;
  }
}

/**
 * What a batch of stored events touches, and which of them were left alone. Reading never throws:
 * an event reporting cannot read is kept (it was stored) and must not stop the publisher's stream.
 */
export function keysOf(events: readonly DeliveredEvent[]): { keys: TouchedKeys; ignored: IgnoredEvent[] } {
  const keys = noKeys();
  const ignored: IgnoredEvent[] = [];
  for (const event of events) {
    const read = readEvent(event);
    if (read.ok) touch(keys, read.event);
    else if (read.reason === 'unknown-topic') ignored.push({ id: event.id, topic: event.topic, reason: read.reason });
    else {
      const issues = read.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      ignored.push({ id: event.id, topic: event.topic, reason: read.reason, issues });
    }
  }
  return { keys, ignored };
}

export function isEmpty(keys: TouchedKeys): boolean {
  return Object.values(keys).every((set: Set<unknown>) => set.size === 0);
}
