import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FieldError, ProblemSchema } from '@rmi/contracts';
import { Pool } from 'undici';
import type { z } from 'zod';
import { ServiceError } from './errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'OPTIONS' | 'POST' | 'PATCH';

export interface HttpClientOptions {
  /** Origin of the service, optionally with a path prefix (`http://gateway/enrollment`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; public routes (health, ready) need none. */
  apiKey?: string | undefined;
  /**
   * Milliseconds to wait for the connection, the response headers and each gap in the body.
   * undici checks header and body timeouts on a half-second tick, so one may fire up to ~0.5 s late.
   */
  timeout?: number;
  /** Further attempts of an idempotent request after a connection error or a 502/503/504. */
  retries?: number;
  /** Milliseconds before the first retry; each further retry waits twice as long. */
  retryDelay?: number;
  /** Sockets kept open to the service; undici's default is unbounded. */
  connections?: number;
}

export interface SendOptions {
  method: HttpMethod;
  /** Path below the base URL, starting with `/`. Callers encode path parameters. */
  path: string;
  /**
   * The route as errors name it (`/v1/persons/:idNumber`). Path parameters may be personal data
   * (ID numbers), and error messages end up in logs; defaults to `path`.
   */
  route?: string | undefined;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  /** Serialised as JSON. */
  body?: unknown;
  /**
   * A file sent as it is (a department's list, a tax export), instead of `body`. A stream can be
   * sent once only, so a request with one is never retried.
   */
  file?: { data: Uint8Array | string | Readable; contentType: string } | undefined;
  headers?: Record<string, string> | undefined;
  /** Non-2xx statuses that are an answer rather than a failure: parsed, neither retried nor thrown. */
  okStatuses?: readonly number[] | undefined;
  signal?: AbortSignal | undefined;
}

export interface RequestOptions<S extends z.ZodType> extends SendOptions {
  /** Every accepted answer is parsed with it; a mismatch throws INVALID_RESPONSE. */
  schema: S;
}

export interface RawResponse {
  method: HttpMethod;
  /** The route label, without query string. */
  path: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON; `undefined` when it was empty or not JSON. */
  json: unknown;
  /** Set when the body claimed to be JSON and was not. */
  jsonError: Error | undefined;
  text: string;
  /** The body's bytes, for downloads (XLSX, CSV in GB18030). */
  bytes: Buffer;
  contentType: string;
  requestId: string | undefined;
}

export interface HttpClient {
  readonly baseUrl: string;
  /** Sends, retries where safe, and returns the answer whatever its status. */
  send(options: SendOptions): Promise<RawResponse>;
  /** Sends and returns the parsed answer, or throws ServiceError. */
  request<S extends z.ZodType>(options: RequestOptions<S>): Promise<z.output<S>>;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_DELAY_MS = 100;

// Only these may reach the server twice without changing the outcome (RFC 9110 §9.2.2).
const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// Gateway and overload answers: the service did not act, or is restarting behind a proxy. A 500
// is left alone because it usually repeats.
const RETRY_STATUSES = new Set([502, 503, 504]);
// Failures of the connection itself. Header and body timeouts are deliberately absent: a slow
// service retried is a slower failure, and the caller's own deadline is what was exceeded.
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && CONNECTION_ERRORS.has(e.code)) return true;
  // Happy-eyeballs connects fail as an AggregateError of one error per address.
  return Array.isArray(e.errors) && e.errors.some(isConnectionError);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const isJsonType = (contentType: string) => /^application\/([\w.-]+\+)?json\b/i.test(contentType);
const isProblemType = (contentType: string) => /^application\/problem\+json\b/i.test(contentType);

/** FieldErrors for a schema mismatch in an answer, so INVALID_RESPONSE says which field was wrong. */
function responseIssues(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: ['response', ...issue.path.map(String)].join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

/** The ServiceError a non-accepted answer stands for: the service's problem, or UNEXPECTED_STATUS. */
export function errorFromResponse(res: RawResponse): ServiceError {
  const where = { method: res.method, path: res.path, requestId: res.requestId };
  if (isProblemType(res.contentType)) {
    const problem = ProblemSchema.safeParse(res.json);
    if (problem.success) {
      const p = problem.data;
      return new ServiceError(p.detail ?? p.title, {
        ...where,
        status: res.status,
        code: p.code,
        detail: p.detail,
        errors: p.errors,
        requestId: p.requestId ?? res.requestId,
      });
    }
  }
  // Proxies answer with HTML pages; a short excerpt is enough to recognise one in a log.
  const excerpt = res.text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ServiceError(`${res.method} ${res.path} answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`, {
    ...where,
    status: res.status,
    code: 'UNEXPECTED_STATUS',
    detail: excerpt || undefined,
  });
}

export function invalidResponse(
  res: RawResponse,
  reason: string,
  options: { errors?: FieldError[]; cause?: unknown } = {},
): ServiceError {
  return new ServiceError(`${res.method} ${res.path}: ${reason}`, {
    method: res.method,
    path: res.path,
    requestId: res.requestId,
    status: res.status,
    code: 'INVALID_RESPONSE',
    detail: reason,
    errors: options.errors,
    cause: options.cause,
  });
}

/** Checks an accepted answer against its schema. */
export function parseAnswer<S extends z.ZodType>(res: RawResponse, schema: S): z.output<S> {
  if (res.jsonError) throw invalidResponse(res, 'the body is not valid JSON', { cause: res.jsonError });
  if (res.json === undefined && res.text.length > 0) {
    throw invalidResponse(res, `expected JSON, got ${res.contentType || 'no content type'}`);
  }
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) {
    throw invalidResponse(res, 'the answer does not match its schema', {
      errors: responseIssues(parsed.error),
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function splitBaseUrl(baseUrl: string): { origin: string; prefix: string } {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl must be http(s): ${baseUrl}`);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

function buildPath(prefix: string, path: string, query: SendOptions['query']): string {
  if (!path.startsWith('/')) throw new TypeError(`path must start with /: ${path}`);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.append(key, String(value));
  }
  const qs = params.toString();
  return `${prefix}${path}${qs ? `?${qs}` : ''}`;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const retries = Math.max(0, options.retries ?? DEFAULT_RETRIES);
  const retryDelay = Math.max(0, options.retryDelay ?? DEFAULT_RETRY_DELAY_MS);
  const { origin, prefix } = splitBaseUrl(options.baseUrl);
  const pool = new Pool(origin, {
    connect: { timeout },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(options.connections ? { connections: options.connections } : {}),
  });
  const baseHeaders: Record<string, string> = {
    accept: 'application/json, application/problem+json;q=0.9',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };

  const isIdempotent = (method: HttpMethod) => IDEMPOTENT.has(method);
  const retryable = (status: number, opts: SendOptions) =>
    RETRY_STATUSES.has(status) && !opts.okStatuses?.includes(status);

  /** One exchange; an answer that will be retried comes back with its body drained, unread. */
  async function attempt(opts: SendOptions, path: string, mayRetry: boolean): Promise<RawResponse> {
    const hasBody = opts.body !== undefined;
    const contentTypeSent = opts.file ? opts.file.contentType : hasBody ? 'application/json' : undefined;
    const res = await pool.request({
      method: opts.method,
      path,
      headers: {
        ...baseHeaders,
        ...(contentTypeSent ? { 'content-type': contentTypeSent } : {}),
        ...opts.headers,
      },
      body: opts.file ? opts.file.data : hasBody ? JSON.stringify(opts.body) : null,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: opts.signal ?? null,
    });
    const contentType = headerValue(res.headers, 'content-type') ?? '';
    const raw: RawResponse = {
      method: opts.method,
      path: opts.route ?? opts.path,
      status: res.statusCode,
      headers: res.headers,
      json: undefined,
      jsonError: undefined,
      text: '',
      bytes: Buffer.alloc(0),
      contentType,
      requestId: headerValue(res.headers, 'x-request-id'),
    };
    if (mayRetry && retryable(res.statusCode, opts)) {
      // Drained so the socket can serve the retry.
      await res.body.dump();
      return raw;
    }
    raw.bytes = Buffer.from(await res.body.arrayBuffer());
    raw.text = raw.bytes.toString('utf8');
    if (raw.text.length > 0 && isJsonType(contentType)) {
      try {
        raw.json = JSON.parse(raw.text);
      } catch (err) {
        raw.jsonError = err as Error;
      }
    }
    return raw;
  }

  async function send(opts: SendOptions): Promise<RawResponse> {
    const path = buildPath(prefix, opts.path, opts.query);
    const once = opts.file !== undefined && typeof opts.file.data === 'object' && 'pipe' in opts.file.data;
    const attempts = isIdempotent(opts.method) && !once ? retries + 1 : 1;
    for (let n = 1; ; n++) {
      const mayRetry = n < attempts;
      try {
        const res = await attempt(opts, path, mayRetry);
        if (!mayRetry || !retryable(res.status, opts)) return res;
      } catch (err) {
        if (!mayRetry || !isConnectionError(err)) throw err;
      }
      // Jitter keeps callers that failed together from retrying together.
      const delay = retryDelay * 2 ** (n - 1) * (0.8 + Math.random() * 0.4);
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }

  return {
    baseUrl: options.baseUrl,
    send,
    async request(opts) {
      const res = await send(opts);
      const accepted = (res.status >= 200 && res.status < 300) || opts.okStatuses?.includes(res.status);
      if (!accepted) throw errorFromResponse(res);
      return parseAnswer(res, opts.schema);
    },
    close: () => pool.close(),
  };
}
