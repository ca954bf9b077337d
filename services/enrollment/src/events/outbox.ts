import { ENROLLMENT_EVENTS, type EnrollmentTopic } from '@rmi/contracts';
import { createEventRecorder, type EventWriter } from '@rmi/outbox';

export type { EnrollmentTopic };

/** Where enrollment keeps its outbox (`enrollment.outbox`, its cursors and dead letters), and the source its batches carry. */
export const ENROLLMENT_OUTBOX = { schema: 'enrollment', source: 'enrollment' } as const;

const recorder = createEventRecorder(ENROLLMENT_OUTBOX.schema, ENROLLMENT_EVENTS);

/**
 * Writes an event into the outbox. Pass the transaction that made the change: the event commits
 * with it or not at all, and the outbox worker delivers it afterwards with retries. The payload
 * must fit its topic's schema in `@rmi/contracts` (checked when compiling, and again when writing).
 */
export const recordEvent = recorder.recordEvent;

/**
 * The events of a change run by service-kit's change runner, written in its transaction. Topics
 * and payloads arrive untyped there, so each is checked against its topic's schema: one that
 * does not fit fails the change instead of reaching a subscriber.
 */
export const writeEvents: EventWriter = recorder.writeEvents;
