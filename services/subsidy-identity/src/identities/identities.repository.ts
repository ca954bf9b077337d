import { sql } from 'kysely';
import type { IdentityDb } from '../db.js';
import type { SpellScope } from './reader-scope.js';

/** The spells a scope may read: its department's, in villages under its region. */
export const spellsInScope = (scope: SpellScope) =>
  sql<boolean>`(${scope.department}::text is null or department = ${scope.department})
    and (${scope.regionPrefix}::text is null or starts_with(region_code, ${scope.regionPrefix}))`;

/** A person's spells as subsidy-identity keeps them, read for the history answers. */
export function createIdentitiesRepository(db: IdentityDb) {
  return {
    /** Spells (the published view: no empty ones) the person holds on `day`, earliest first. */
    heldOn: (idNumber: string, day: string, scope: SpellScope) =>
      db
        .selectFrom('identity.v_identity_spells')
        .select(['identity_code', 'department', 'region_code', 'valid_from', 'valid_to', 'batch_id'])
        .where('id_number', '=', idNumber)
        .where('valid_from', '<=', day)
        .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', day)]))
        .where(spellsInScope(scope))
        .orderBy('valid_from')
        .orderBy('identity_code')
        .execute(),

    /** Every spell kept for the person, ended and superseded ones too, in the order they began. */
    history: (idNumber: string, scope: SpellScope) =>
      db
        .selectFrom('identity.spells')
        .select([
          'identity_code',
          'department',
          'region_code',
          'name',
          'valid_from',
          'valid_to',
          'current',
          'batch_id',
          'ended_batch_id',
          'ended_reason',
        ])
        .where('id_number', '=', idNumber)
        .where(spellsInScope(scope))
        .orderBy('valid_from')
        .orderBy('identity_code')
        .orderBy('id')
        .execute(),

    diedOn: async (idNumber: string): Promise<string | null> =>
      (await db.selectFrom('identity.deaths').select('died_on').where('id_number', '=', idNumber).executeTakeFirst())
        ?.died_on ?? null,
  };
}
