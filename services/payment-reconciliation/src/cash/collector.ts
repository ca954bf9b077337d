import { type Actor, OutOfScopeError, ValidationError } from '@rmi/service-kit';

/**
 * Who took or banked the cash: the API key and its name, as `/v1/me` shows it. The name is what a
 * county officer reads in the alerts; the key id is what ties receipts and deposits together.
 */
export interface Collector {
  keyId: string | null;
  name: string;
}

const VILLAGE = /^\d{12}$/;

/**
 * The village a receipt is recorded in: a collector's own (000 附件3 item 4: the collector of the
 * village), or the one an administrator names. Another village is 403 OUT_OF_SCOPE.
 */
export function receiptVillage(actor: Pick<Actor, 'role' | 'regionCode'>, asked: string | undefined): string {
  if (actor.role === 'admin') {
    if (asked === undefined) {
      throw new ValidationError([{ path: 'body.villageCode', message: 'admin names the village of the receipt' }]);
    }
    return asked;
  }
  const own = actor.regionCode;
  if (own === null || !VILLAGE.test(own) || (asked !== undefined && asked !== own)) {
    throw new OutOfScopeError(`Village ${asked ?? own ?? ''}`.trim());
  }
  return own;
}
