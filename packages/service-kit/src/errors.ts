import type { FieldError } from '@rmi/contracts';

/**
 * The one error hierarchy of the services. Each carries a stable `code` that clients switch on;
 * the error handler turns it into application/problem+json.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(
    readonly errors: FieldError[],
    message = 'The request has invalid fields.',
  ) {
    super(400, 'VALIDATION_FAILED', message, { errors });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(code: 'UNAUTHENTICATED' | 'KEY_REVOKED' = 'UNAUTHENTICATED') {
    super(
      401,
      code,
      code === 'KEY_REVOKED'
        ? 'This API key has been revoked.'
        : 'A valid API key is required: Authorization: Bearer <key>.',
    );
  }
}

export class ForbiddenRoleError extends AppError {
  constructor(role: string, allowed: readonly string[]) {
    super(403, 'FORBIDDEN_ROLE', `Role ${role} may not do this; allowed: ${allowed.join(', ')}.`);
  }
}

export class OutOfScopeError extends AppError {
  constructor(what = 'This object') {
    super(403, 'OUT_OF_SCOPE', `${what} is outside the region or department of this API key.`);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(409, code, message, extra);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(422, code, message, extra);
  }
}
