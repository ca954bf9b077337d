// A small HTTP caller for the routes the typed clients do not cover (registration imports, deaths
// as CSV, GraphQL with variables): one key per call, problem+json surfaced as an error with its code.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: ${status} ${code ?? ''} ${JSON.stringify(body).slice(0, 600)}`);
  }
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Raw bytes or text sent as is, with this content type. */
  file?: { data: string | Uint8Array; contentType: string };
  /** Statuses answered rather than thrown (default: 2xx). */
  accept?: readonly number[];
  headers?: Record<string, string>;
}

export async function call<T = unknown>(method: string, url: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Uint8Array | undefined;
  if (options.file) {
    headers['content-type'] = options.file.contentType;
    body = options.file.data;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (err) {
      // A connection lost before an answer: every JSON call of the season is safe to send again
      // (payments, receipts and deposits answer their first result; reads change nothing). A file
      // is not: sent again it would answer `unchanged`, so its loss is reported as it is.
      if (options.file || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get('content-type') ?? '')) parsed = text ? JSON.parse(text) : undefined;
    // A busy database answers 503 with Retry-After: the request kept nothing, so it is sent again.
    if ((res.status === 503 || res.status === 429) && attempt < 20) {
      const after = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(after, 5) * 1000));
      continue;
    }
    const ok = options.accept ? options.accept.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) {
      const code = typeof parsed === 'object' && parsed ? (parsed as { code?: string }).code : undefined;
      throw new ApiError(res.status, code, parsed, `${method} ${new URL(url).pathname}`);
    }
    return { status: res.status, body: parsed as T };
  }
}

/** Runs `fn` over `items` with at most `limit` at once, in order of start. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** GraphQL at reporting, failing on any error in the answer. */
export async function graphql<T>(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const { body } = await call<{ data?: T; errors?: unknown[] }>('POST', `${url}/graphql`, {
    key,
    body: { query, variables },
  });
  if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors).slice(0, 600)}`);
  return body.data;
}

/** Polls `fn` until it answers a value, or throws with what it last said after `ms`. */
export async function settle<T>(
  label: string,
  fn: () => Promise<{ done: true; value: T } | { done: false; why: string }>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let delay = 50;
  for (;;) {
    const r = await fn();
    if (r.done) return r.value;
    if (Date.now() > deadline) throw new Error(`${label}: not settled after ${ms / 1000} s: ${r.why}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}
