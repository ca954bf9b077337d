import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { seconds } from './harness.js';

/** Listens on a free loopback port and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface LoadTarget {
  label: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** JSON body, sent with content-type application/json. */
  body?: unknown;
}

export interface LoadOptions {
  connections: number;
  duration: number;
  warmup: number;
}

/** 10 connections, BENCH_DURATION (5 s) after BENCH_WARMUP (1 s): the same for every HTTP benchmark. */
export function loadOptions(): LoadOptions {
  return { connections: 10, duration: seconds('BENCH_DURATION', 5), warmup: seconds('BENCH_WARMUP', 1) };
}

/** Loads one target with autocannon; any error, timeout or non-2xx answer voids the run. */
export async function load(target: LoadTarget, options: LoadOptions): Promise<autocannon.Result> {
  const json = target.body !== undefined;
  const result = await autocannon({
    url: target.url,
    method: target.method ?? (json ? 'POST' : 'GET'),
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...(target.headers ?? {}) },
    ...(json ? { body: JSON.stringify(target.body) } : {}),
    connections: options.connections,
    duration: options.duration,
    warmup: { connections: options.connections, duration: options.warmup },
  });
  // A 401, 422 or 429 is answered faster than real work, so any of them would flatter the ratio.
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(
      `${target.label}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers; the run is void`,
    );
  }
  return result;
}

/** One table row: label, route, req/s, p50, p99 (autocannon records whole milliseconds), requests. */
export function loadRow(label: string, route: string, r: autocannon.Result): string[] {
  const ms = (value: number) => (value < 1 ? '<1' : String(value));
  return [label, route, r.requests.average.toFixed(0), ms(r.latency.p50), ms(r.latency.p99), String(r.requests.total)];
}

export const LOAD_HEADER = ['server', 'route', 'req/s', 'p50 ms', 'p99 ms', 'requests'] as const;

export function describeLoad(o: LoadOptions): string {
  return `${o.connections} connections, ${o.duration} s each after ${o.warmup} s warm-up; load generator in the same process\n`;
}
