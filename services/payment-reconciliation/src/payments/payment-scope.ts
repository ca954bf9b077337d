import { type Actor, assertRegionInScope, OutOfScopeError, regionInScope, ValidationError } from '@rmi/service-kit';

const SEES_ALL = new Set(['admin', 'service']);

/**
 * The village a new payment is recorded in, as the caller may place it: a collector's is its own
 * village (a village given must be it); an operator's is the one given or else the person's
 * enrolment village that year, and must lie in the operator's region; admin and service place it
 * anywhere, or nowhere when neither is known (enrollment then decides, or parks it).
 */
export async function villageOfNewPayment(
  actor: Actor,
  given: string | undefined,
  enrolmentVillage: () => Promise<string | null>,
): Promise<string | null> {
  if (actor.role === 'collector') {
    if (!actor.regionCode || (given !== undefined && given !== actor.regionCode)) {
      throw new OutOfScopeError('The village of the payment');
    }
    return actor.regionCode;
  }
  const village = given ?? (await enrolmentVillage());
  if (SEES_ALL.has(actor.role ?? '')) return village;
  if (village === null) {
    throw new ValidationError([
      {
        path: 'body.villageCode',
        message: 'required: the person has no enrolment that year to place the payment in a village',
      },
    ]);
  }
  assertRegionInScope(actor, village, 'The village of the payment');
  return village;
}

/** A payment is seen by admin and service, and by a key whose region holds its village. */
export function assertPaymentInScope(actor: Actor, villageCode: string | null): void {
  if (SEES_ALL.has(actor.role ?? '')) return;
  if (villageCode === null || !regionInScope(actor, villageCode)) throw new OutOfScopeError('The payment');
}

/**
 * The villages a listing covers: those under `asked` (which must lie in the key's region), by
 * default the key's region; null for admin and service asking for no region (every payment).
 */
export function listingRegion(actor: Actor, asked: string | undefined): string | null {
  if (asked !== undefined) {
    assertRegionInScope(actor, asked, 'The region');
    return asked;
  }
  if (SEES_ALL.has(actor.role ?? '')) return null;
  if (!actor.regionCode) throw new OutOfScopeError('Payments');
  return actor.regionCode;
}
