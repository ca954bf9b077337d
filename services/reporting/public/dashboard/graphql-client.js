// The only thing the page talks to: /graphql beside it, with the dashboard key as a bearer token.

const KEY = 'rmi.dashboard.key';

/**
 * The key lives in sessionStorage: typed once per window, gone when it closes, so a key is not left
 * behind on a shared office computer.
 */
export const keyStore = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The request was refused before any query ran (401 unknown or revoked key, 403 wrong role). */
export class KeyRefused extends Error {
  constructor(status, code, detail) {
    super(`${code}：${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** The errors of a GraphQL answer, each with its extensions.code (OUT_OF_SCOPE, VALIDATION_FAILED…). */
export class GraphqlErrors extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}：${e.message}`).join('；'));
    this.errors = errors;
  }
}

const endpoint = new URL('graphql', window.location.href);

export async function graphql(query, variables = {}) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keyStore.get() ?? ''}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new GraphqlErrors([{ message: `无法连接报表服务（${err.message}）`, extensions: { code: 'NETWORK' } }]);
  }
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json() : { detail: await res.text() };
  // Refusals at the door come as problem+json with a stable code, not as GraphQL.
  if (type.includes('problem+json') || !Array.isArray(body.errors ?? [])) {
    const code = body.code ?? `HTTP_${res.status}`;
    const detail = body.detail ?? body.title ?? `HTTP ${res.status}`;
    if (res.status === 401 || res.status === 403) throw new KeyRefused(res.status, code, detail);
    throw new GraphqlErrors([{ message: detail, extensions: { code } }]);
  }
  if (body.errors?.length) throw new GraphqlErrors(body.errors);
  if (!res.ok || !body.data)
    throw new GraphqlErrors([{ message: `HTTP ${res.status}`, extensions: { code: `HTTP_${res.status}` } }]);
  return body.data;
}
