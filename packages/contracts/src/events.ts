import { z } from 'zod';

/**
 * `POST /v1/events`: a batch of events one service delivers to a subscriber from its outbox. An
 * event is known by (source, id), so a batch delivered twice is stored once.
 */
export const EventSchema = z.object({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('the outbox id, unique within the source'),
  // Loose on purpose: a receiver refusing a topic it does not know would stop the source's whole
  // stream behind that event; unknown topics are stored and left alone.
  topic: z.string().min(1).max(200).describe('what happened, e.g. `enrolment.paid`'),
  payload: z.record(z.string(), z.unknown()).describe('the event body, as the source recorded it'),
  createdAt: z.iso.datetime({ offset: true }).describe('when the source committed the change'),
});

export const EventBatchSchema = z.object({
  source: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a service name such as `enrollment`')
    .max(64),
  events: z.array(EventSchema).min(1).max(1000),
});

export const EventsReceivedSchema = z.object({
  received: z.number().int().describe('events stored by this delivery'),
  duplicates: z.number().int().describe('events of the batch that were already stored (a redelivery)'),
});

/**
 * Enrollment's answer to a delivery: the counts every receiver gives, and what the deaths it stored
 * did (`person.died` from subsidy-identity). Other topics are stored and left alone.
 */
export const EnrollmentEventsReceivedSchema = EventsReceivedSchema.extend({
  deaths: z.object({
    applied: z
      .number()
      .int()
      .describe('deaths of registered persons acted on: diedOn recorded, unpaid registrations cancelled'),
    enrolmentsCancelled: z.number().int().describe('registrations (unpaid) cancelled with reason `death`'),
    unknownPersons: z.number().int().describe('deaths of people enrollment has not registered: nothing to do'),
    invalid: z
      .number()
      .int()
      .describe('deaths stored but not acted on: a payload not read, or a day before birth or after today'),
  }),
});

export type DeliveredEvent = z.infer<typeof EventSchema>;
export type EventBatch = z.infer<typeof EventBatchSchema>;
export type EventsReceived = z.infer<typeof EventsReceivedSchema>;
export type EnrollmentEventsReceived = z.infer<typeof EnrollmentEventsReceivedSchema>;
