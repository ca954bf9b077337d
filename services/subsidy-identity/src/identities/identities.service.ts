import type { PersonIdentities, PersonIdentitiesQuery, PersonIdentityHistory } from '@rmi/contracts';
import { canonicalIdentityOrder, collectionYear, findPolicy, identityType, parseIdNumber } from '@rmi/rules';
import { type Actor, type PolicyCatalog, shanghaiToday, UnprocessableError } from '@rmi/service-kit';
import type { IdentityDb } from '../db.js';
import { assistanceOnDay } from './assistance-on-day.js';
import { disclosureFor } from './disclosure.js';
import { createIdentitiesRepository } from './identities.repository.js';
import { spellScopeOf } from './reader-scope.js';

const labelOf = (code: string) => identityType(code)?.labels[0] ?? code;

/** An ID number as asked for: normalised, or 422 INVALID_ID_NUMBER naming the field. */
export function idNumberParam(raw: string, today: string): string {
  const parsed = parseIdNumber(raw, today);
  if (parsed.ok) return parsed.idNumber;
  throw new UnprocessableError('INVALID_ID_NUMBER', `The ID number is not valid: ${parsed.message}.`, {
    errors: [{ path: 'params.idNumber', code: 'INVALID_ID_NUMBER', message: parsed.message }],
  });
}

/**
 * A person's identities (contracts/identity-feeds.md "Identity history"): those held on a day with
 * the assistance they bring, and every spell kept. What a key may read is a filter, as a search is:
 * a department feed sees its own department's spells, a key with a region the spells in its
 * villages; a person with none of those reads as holding nothing.
 */
export function createIdentitiesService(db: IdentityDb, catalog: PolicyCatalog) {
  const spells = createIdentitiesRepository(db);

  return {
    async onDay(actor: Actor, rawIdNumber: string, query: PersonIdentitiesQuery): Promise<PersonIdentities> {
      const today = shanghaiToday();
      const idNumber = idNumberParam(rawIdNumber, today);
      const on = query.on ?? today;
      const scope = spellScopeOf(actor);
      const rows = await spells.heldOn(idNumber, on, scope);
      // One entry per identity (spells of one identity never overlap; a day counts once).
      const byCode = new Map<string, (typeof rows)[number]>();
      for (const r of rows) if (!byCode.has(r.identity_code)) byCode.set(r.identity_code, r);
      const codes = canonicalIdentityOrder([...byCode.keys()]);
      // The policy is the one of the village the person was last certified in.
      const village = rows.length > 0 ? (rows[rows.length - 1]?.region_code ?? null) : null;
      const policies = await catalog.documents();
      const year = query.year ?? collectionYear(policies, village, on);
      const policy = village === null ? undefined : findPolicy(policies, village, year);
      const show = disclosureFor(actor, scope.department);
      return {
        idNumber: show.idNumber(idNumber),
        on,
        identities: codes.map((code) => {
          const r = byCode.get(code) as (typeof rows)[number];
          return {
            code,
            label: labelOf(code),
            department: r.department,
            regionCode: r.region_code,
            from: r.valid_from,
            to: r.valid_to,
            batchId: r.batch_id,
          };
        }),
        assistance: assistanceOnDay(policy, codes, { on, year, tier: query.tier, village }),
      };
    },

    async history(actor: Actor, rawIdNumber: string): Promise<PersonIdentityHistory> {
      const idNumber = idNumberParam(rawIdNumber, shanghaiToday());
      const scope = spellScopeOf(actor);
      const rows = await spells.history(idNumber, scope);
      const show = disclosureFor(actor, scope.department);
      return {
        idNumber: show.idNumber(idNumber),
        // A death is told only to a key that sees some of the person's spells (or sees everything).
        diedOn:
          rows.length > 0 || (scope.department === null && scope.regionPrefix === null)
            ? await spells.diedOn(idNumber)
            : null,
        spells: rows.map((r) => ({
          code: r.identity_code,
          label: labelOf(r.identity_code),
          department: r.department,
          regionCode: r.region_code,
          name: show.name(r.name),
          from: r.valid_from,
          to: r.valid_to,
          current: r.current,
          superseded: r.valid_to !== null && r.valid_to < r.valid_from,
          batchId: r.batch_id,
          endedBatchId: r.ended_batch_id,
          endedReason: r.ended_reason,
        })),
      };
    },
  };
}

export type IdentitiesService = ReturnType<typeof createIdentitiesService>;
