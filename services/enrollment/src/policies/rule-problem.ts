import { AppError, ValidationError } from '@rmi/service-kit';

/** What the rules package answers when it cannot: a code, a message and the fields at fault. */
interface RuleError {
  status?: number;
  code: string;
  message: string;
  missing?: string[];
  identities?: string[];
  errors?: Array<{ field: string; message: string }>;
}

const STATUS: Record<string, number> = { POLICY_NOT_FOUND: 404, VALIDATION_FAILED: 400 };

/** The problem+json for a rules error, keeping its extra members (`missing`, `identities`). */
export function ruleProblem(error: RuleError): AppError {
  if (error.code === 'VALIDATION_FAILED') {
    // Cross-field checks the body schema cannot express (a newborn without a birth date).
    return new ValidationError(
      (error.errors ?? []).map((e) => ({ path: `body.${e.field}`, message: e.message })),
      `The request has invalid fields: ${error.message}.`,
    );
  }
  const extra: Record<string, unknown> = {};
  if (error.missing) extra.missing = error.missing;
  if (error.identities) extra.identities = error.identities;
  return new AppError(error.status ?? STATUS[error.code] ?? 422, error.code, error.message, extra);
}
