import { AppError } from '@rmi/service-kit';
import mercurius from 'mercurius';

/**
 * Runs a use case for a resolver: its AppError (OUT_OF_SCOPE, VALIDATION_FAILED, …) becomes a
 * GraphQL error with the same code in `extensions.code` (and the bad fields when it lists them);
 * anything else is left to the error formatter, which answers INTERNAL_ERROR.
 */
export async function resolve<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) {
      throw new mercurius.ErrorWithProps(err.message, { code: err.code, ...err.extra }, err.status);
    }
    throw err;
  }
}
