import type { FieldError } from '@rmi/contracts';

// A registered symbol instead of the prototype chain, as undici does: a process may hold two copies
// of this package (sources and dist), and `instanceof` must still recognise either's errors.
const kServiceError = Symbol.for('rmi.clients.ServiceError');

export interface ServiceErrorOptions {
  status: number;
  code: string;
  detail?: string | undefined;
  errors?: FieldError[] | undefined;
  requestId?: string | undefined;
  method?: string | undefined;
  path?: string | undefined;
  cause?: unknown;
}

/**
 * A service answered, but not with what the call expected. `code` is the service's stable problem
 * code, or one of this package's own:
 * - `UNEXPECTED_STATUS`: a non-2xx answer that is not problem+json (a proxy's 502 page, say);
 * - `INVALID_RESPONSE`: a 2xx answer that is not JSON or does not match the contract's schema;
 * - `GRAPHQL_ERROR`: a GraphQL error without `extensions.code`.
 * Transport failures (refused connection, timeout) are undici's own errors and are not wrapped:
 * those carry a `code` too (`UND_ERR_HEADERS_TIMEOUT`, `ECONNREFUSED` …).
 */
export class ServiceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly requestId: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, options: ServiceErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.errors = options.errors ?? [];
    this.requestId = options.requestId;
    this.method = options.method;
    this.path = options.path;
  }

  static override [Symbol.hasInstance](instance: unknown): boolean {
    return (
      typeof instance === 'object' && instance !== null && (instance as Record<symbol, unknown>)[kServiceError] === true
    );
  }

  get [kServiceError](): true {
    return true;
  }
}
