import { HealthSchema, ReadinessSchema } from '@rmi/contracts';
import type { z } from 'zod';
import type { HttpClient, HttpClientOptions, SendOptions } from './http-client.js';

export type ClientOptions = HttpClientOptions;

/** Per-call extras every typed method accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Forwarded as `x-request-id`, which the services adopt, so one id follows a call across services. */
  requestId?: string;
}

export type Health = z.infer<typeof HealthSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;

export function callOptions(call: CallOptions | undefined): Pick<SendOptions, 'signal' | 'headers'> {
  return {
    signal: call?.signal,
    headers: call?.requestId ? { 'x-request-id': call.requestId } : undefined,
  };
}

/** `/health` and `/ready`, which every service serves without a key. */
export function operations(http: HttpClient) {
  return {
    health: (call?: CallOptions): Promise<Health> =>
      http.request({ method: 'GET', path: '/health', schema: HealthSchema, ...callOptions(call) }),
    /**
     * The readiness report. A service that is up but not ready answers 503 with the same report;
     * that is returned (status `not-ready`), not thrown and not retried, so a probe can show why.
     */
    ready: (call?: CallOptions): Promise<Readiness> =>
      http.request({
        method: 'GET',
        path: '/ready',
        schema: ReadinessSchema,
        okStatuses: [503],
        ...callOptions(call),
      }),
  };
}
