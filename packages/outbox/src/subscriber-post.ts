import type { EventBatch } from '@rmi/contracts';
import { maskIdNumbersIn } from '@rmi/rules';
import { Agent, request } from 'undici';

export type PostResult =
  | { ok: true }
  /** `refused`: the subscriber answered, and the answer is about this batch, not about itself. */
  | { ok: false; error: string; refused: boolean };

/**
 * Answers that say the subscriber is away, busy, or not set up for us (its key, its URL): retried
 * for ever, since setting the batch aside would only scatter the stream while it is away. Any
 * other refusal (400, 413, 422, a 500 crash on this batch…) is about the batch itself and counts
 * towards `OUTBOX_MAX_ATTEMPTS`.
 */
const SUBSCRIBER_WIDE = new Set([401, 403, 404, 405, 407, 408, 421, 425, 429, 502, 503, 504]);

export function refusesTheBatch(status: number): boolean {
  return status >= 400 && status <= 500 && !SUBSCRIBER_WIDE.has(status);
}

export interface SubscriberPoster {
  post(url: string, batch: EventBatch): Promise<PostResult>;
  /** Text safe to store and log: no ID number in clear, never the key. */
  scrub(text: string): string;
  close(): Promise<void>;
}

/** POSTs batches with the `service` key, each exchange bounded by `timeoutMs` from connect to last byte. */
export function createSubscriberPoster(apiKey: string, timeoutMs: number): SubscriberPoster {
  let agent: Agent | null = null;

  // Applied before anything is cut short, so no ID number is left half-visible at the cut.
  const scrub = (text: string) => maskIdNumbersIn(text.replaceAll(apiKey, '[key]'));

  function dispatcher(): Agent {
    agent ??= new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    return agent;
  }

  return {
    scrub,
    async post(url, batch) {
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: dispatcher(),
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, application/problem+json;q=0.9',
            authorization: `Bearer ${apiKey}`,
          },
          body: JSON.stringify(batch),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          // The per-phase timeouts above reset on every byte; this bounds the whole exchange.
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.statusCode >= 200 && res.statusCode < 300) {
          await res.body.dump();
          return { ok: true };
        }
        const text = await res.body.text();
        return {
          ok: false,
          error: describeAnswer(res.statusCode, scrub(text)).slice(0, 500),
          refused: refusesTheBatch(res.statusCode),
        };
      } catch (err) {
        return { ok: false, error: scrub(describeError(err)).slice(0, 500), refused: false };
      }
    },
    async close() {
      const closing = agent;
      agent = null;
      await closing?.close();
    },
  };
}

/** A refusal in a line: the problem's code and detail when the receiver sent problem+json. */
function describeAnswer(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown };
    if (typeof problem.code === 'string') {
      return `HTTP ${status} ${problem.code}${typeof problem.detail === 'string' ? `: ${problem.detail}` : ''}`;
    }
  } catch {
    // not JSON: proxies answer with HTML or plain text
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${typeof code === 'string' ? code : err.name}: ${err.message}${cause}`;
}
