import { z } from 'zod';

export interface EventSubscriber {
  /** Keys the subscriber's cursor in `<schema>.outbox_cursors`: a renamed one starts from the first event. */
  name: string;
  url: string;
}

const SUBSCRIBER_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** `name=url,name=url`. Messages name the entry, never its URL, which may carry credentials. */
export const EventSubscribersSchema = z.string().transform((value, ctx): EventSubscriber[] => {
  const subscribers: EventSubscriber[] = [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, Math.max(eq, 0)).trim();
    const url = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const problem = !SUBSCRIBER_NAME.test(name)
      ? 'expected name=url, the name in lowercase letters, digits and dashes'
      : !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)
        ? `the URL of ${name} is not an http(s) URL`
        : subscribers.some((s) => s.name === name)
          ? `${name} is named twice`
          : null;
    if (problem) ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: ${problem}` });
    else subscribers.push({ name, url });
  }
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'names no subscriber' });
  return subscribers;
});

/** The configuration keys of a publishing service's outbox; spread into its config schema. */
export const outboxConfigShape = {
  // Where outbox events go; unset means the service's default (reporting's /v1/events).
  EVENT_SUBSCRIBERS: EventSubscribersSchema.optional(),
  // How often the outbox is looked at when no commit on this replica nudged the worker: events
  // recorded through other replicas are picked up within this.
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  // Delivered events stay this long, so a subscriber can be replayed from a reset cursor (0 keeps all).
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  // A batch a subscriber refuses this many times (a 400, 422 or 500 answered to it) is set aside as a
  // dead letter, so its later events go on; 0 retries for ever. With the backoff (1 s doubling up
  // to 60 s) the default holds a refused batch about four minutes.
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(0).max(1000).default(10),
};

export type OutboxConfig = z.output<z.ZodObject<typeof outboxConfigShape>>;

/** The configured subscribers, or `fallback` when none are configured. */
export function eventSubscribers(
  config: Pick<OutboxConfig, 'EVENT_SUBSCRIBERS'>,
  fallback: EventSubscriber,
): EventSubscriber[] {
  return config.EVENT_SUBSCRIBERS ?? [fallback];
}
