import autocannon from 'autocannon';
import type { SequenceOptions } from './autocannon-options.js';
import { AMOUNT_FEN, CHANNELS, type Collector, PAID_DAY, YEAR } from './setup.js';

// The two kinds of client of the measured phase, each one autocannon instance: collectors posting
// payments, one connection and one key each, every request a person of their own; and dashboards
// polling reporting's GraphQL at a dashboard's pace.

export interface Timing {
  duration: number;
  warmup: number;
}

/** Collector c's k-th payment: its own person, voucher and key; the channel and minute vary. */
export function paymentOf(c: Collector, k: number) {
  const minute = (c.index + k) % 600;
  const hh = String(8 + Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  return {
    channel: CHANNELS[(c.index + k) % CHANNELS.length] as string,
    voucherNumber: `SL-${c.index}-${k}`,
    idNumber: c.persons[k] as string,
    year: YEAR,
    amountFen: AMOUNT_FEN,
    paidAt: `${PAID_DAY}T${hh}:${mm}:00+08:00`,
  };
}

export interface PaymentLoad {
  result: autocannon.Result;
  /** Payment ids of every 201, warm-up included. */
  created: string[];
  /** Answers by status code, warm-up included. */
  statuses: Map<number, number>;
  /** The first few answers other than 201, status and body. */
  refusals: string[];
  /** Requests that found their collector's persons used up (the run is then void for the service). */
  exhausted: number;
}

/**
 * `collectors.length` connections against `url`, connection i being collector i % n: its key, and
 * its persons in turn. The warm-up's connections are collectors again, continuing their lists.
 */
export async function loadPayments(
  url: string,
  path: string,
  collectors: readonly Collector[],
  t: Timing,
): Promise<PaymentLoad> {
  const byAuthorization = new Map(collectors.map((c) => [c.authorization, c]));
  const cursor = new Array<number>(collectors.length).fill(0);
  const created: string[] = [];
  const statuses = new Map<number, number>();
  const refusals: string[] = [];
  let exhausted = 0;
  let connection = 0;
  const options: SequenceOptions = {
    url,
    connections: collectors.length,
    duration: t.duration,
    warmup: { connections: collectors.length, duration: t.warmup },
    headers: { 'content-type': 'application/json' },
    setupClient: (client) => {
      const c = collectors[connection++ % collectors.length] as Collector;
      client.setHeaders({ authorization: c.authorization });
    },
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (request) => {
          // autocannon builds each connection's first request once before setupClient names its
          // collector; that one is built again, not sent.
          const c = byAuthorization.get(request.headers.authorization ?? '');
          if (!c) return request;
          let k = cursor[c.index] ?? 0;
          cursor[c.index] = k + 1;
          if (k >= c.persons.length) {
            exhausted++;
            k %= c.persons.length;
          }
          return {
            ...request,
            headers: { ...request.headers, 'idempotency-key': `season-${c.index}-${k}` },
            body: JSON.stringify(paymentOf(c, k)),
          };
        },
        onResponse: (status, body) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 201) created.push((JSON.parse(body) as { paymentId: string }).paymentId);
          else if (refusals.length < 5) refusals.push(`${status} ${body.slice(0, 300)}`);
        },
      },
    ],
  };
  const result = await autocannon(options);
  return { result, created, statuses, refusals, exhausted };
}

export const PROGRESS_QUERY = `query($r: ID!, $y: Int!) {
  progress(regionCode: $r, year: $y) {
    region { code name } target registered paid rate gap
    children { region { code name } target registered paid rate gap }
  }
}`;

export const WEEKLY_QUERY = `query($t: ID!, $y: Int!) {
  weeklyReport(townshipCode: $t, year: $y) {
    week township { code name } villages { region { code name } rank target paid rate }
  }
}`;

export interface PollLoad {
  result: autocannon.Result;
  /** Answers that were not 200 or carried GraphQL errors, warm-up included. */
  failed: number;
  samples: string[];
}

/**
 * One connection per dashboard key against reporting's /graphql, each at `rate` requests a second,
 * alternating the county's progress with its children and a township's weekly report.
 */
export async function pollDashboards(
  graphqlUrl: string,
  keys: readonly string[],
  bodies: readonly string[],
  rate: number,
  t: Timing,
): Promise<PollLoad> {
  let connection = 0;
  let turn = 0;
  let failed = 0;
  const samples: string[] = [];
  const options: SequenceOptions = {
    url: graphqlUrl,
    connections: keys.length,
    connectionRate: rate,
    duration: t.duration,
    warmup: { connections: keys.length, duration: t.warmup },
    headers: { 'content-type': 'application/json' },
    setupClient: (client) => {
      client.setHeaders({ authorization: keys[connection++ % keys.length] as string });
    },
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest: (request) => ({ ...request, body: bodies[turn++ % bodies.length] as string }),
        onResponse: (status, body) => {
          if (status === 200 && !body.includes('"errors"')) return;
          failed++;
          if (samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`);
        },
      },
    ],
  };
  const result = await autocannon(options);
  return { result, failed, samples };
}
