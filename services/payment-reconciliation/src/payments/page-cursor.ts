import { ValidationError } from '@rmi/service-kit';

/** Where a page of payments ended: the last payment's arrival (to the microsecond) and id. */
export interface PaymentCursor {
  recordedAt: string;
  id: string;
}

// recorded_at as PostgreSQL writes it in UTC, microseconds kept: a JS Date would round them off
// and a page would start inside the one before.
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function encodeCursor(cursor: PaymentCursor): string {
  return Buffer.from(`${cursor.recordedAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The `after` of a page query, or 400 naming `query.after` when it is not a `next` this service gave. */
export function decodeCursor(after: string): PaymentCursor {
  const [recordedAt = '', id = '', ...rest] = Buffer.from(after, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !AT.test(recordedAt) || !ID.test(id)) {
    throw new ValidationError([{ path: 'query.after', message: 'not a `next` of a previous page' }]);
  }
  return { recordedAt, id };
}
