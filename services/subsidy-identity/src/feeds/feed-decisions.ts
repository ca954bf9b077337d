import type { Staged } from '@rmi/ingest';
import type pg from 'pg';
import type { FeedField } from './feed-columns.js';
import { type Place, resolvePlaces } from './feed-places.js';
import { actionOf, type CellProblem, civilDateOf, identityCodes } from './feed-values.js';

// A list repeats itself: a million rows name a handful of identity labels, a few hundred
// villages, some hundreds of dates. Each distinct cell value is read once (one pass over the
// staged rows), decided once by `rules` and the village lookup, and written into small temp
// tables the checking and comparing statements join on, keyed by the cell as staged:
//   feed_labels (raw_identity, raw_grade, ncodes, problem)   a row's identity cell (or grade)
//   feed_label_codes (raw_identity, raw_grade, code)         … its codes, one row each
//   feed_places (raw_township, raw_village, code, problem, missing)
//   feed_dates (raw, iso, bad)                               certifiedOn and endedOn cells
//   feed_actions (raw, act, problem)                         a delta's 操作
// Keys are the cells as staged, '' for an empty one (COPY stages an empty cell as NULL).

/** The SQL expression of each field's staged cell in `feed_rows r`, '' when empty or absent. */
export type FeedCells = Record<FeedField, string>;

/** The expression of a column the header does not have. */
export const ABSENT = `''::text`;

export function cellsOf(staged: Pick<Staged<FeedField>, 'column'>): FeedCells {
  const cell = (field: FeedField) => {
    const column = staged.column(field);
    return column === undefined ? ABSENT : `coalesce(r.${column}, '')`;
  };
  return {
    idNumber: cell('idNumber'),
    name: cell('name'),
    identity: cell('identity'),
    disabilityGrade: cell('disabilityGrade'),
    township: cell('township'),
    village: cell('village'),
    certifiedOn: cell('certifiedOn'),
    endedOn: cell('endedOn'),
    action: cell('action'),
  };
}

export const DECISION_TABLES = [
  'feed_labels',
  'feed_label_codes',
  'feed_places',
  'feed_dates',
  'feed_actions',
] as const;

interface Distinct {
  set: 'label' | 'place' | 'from' | 'to' | 'action';
  a: string;
  b: string;
  n: number;
}

/** Every distinct value of the cells decided on, in one pass over the staged rows. */
function distinctStatement(cells: FeedCells, delta: boolean): string {
  return `
select case when grouping(i, g) = 0 then 'label' when grouping(t, v) = 0 then 'place'
            when grouping(f) = 0 then 'from' when grouping(e) = 0 then 'to' else 'action' end as set,
       coalesce(i, t, f, e${delta ? ', a' : ''}) as a, coalesce(g, v, '') as b, count(*)::int as n
from (
  select ${cells.identity} as i, ${cells.disabilityGrade} as g, ${cells.township} as t, ${cells.village} as v,
         ${cells.certifiedOn} as f, ${cells.endedOn} as e, ${delta ? cells.action : `''::text`} as a
  from feed_rows r
) x
group by grouping sets ((i, g), (t, v), (f), (e)${delta ? ', (a)' : ''})`;
}

const json = (problems: CellProblem[]) => (problems.length ? JSON.stringify(problems) : null);

async function write(client: pg.PoolClient, table: string, types: string[], rows: unknown[][]) {
  if (rows.length === 0) return;
  const arrays = types.map((_, i) => rows.map((r) => r[i] ?? null));
  await client.query(
    `insert into ${table} select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
    arrays,
  );
}

/** Which decisions refuse some value: the checking statement joins only those (and what it always needs). */
export interface DecisionProblems {
  labels: boolean;
  places: boolean;
  dates: boolean;
  actions: boolean;
}

/**
 * Decides every distinct identity, village, date and action of the staged file into the decision
 * tables. Returns the (person, identity) pairs the file names in all (a group label counts for
 * each of its codes), so the valid ones are known without counting them again, and which
 * decisions refused a value.
 */
export async function decideValues(
  client: pg.PoolClient,
  cells: FeedCells,
  options: { department: string; mode: 'snapshot' | 'delta'; scope: string | null },
): Promise<{ pairs: number; problems: DecisionProblems }> {
  await client.query(`
    create temp table feed_labels (raw_identity text, raw_grade text, ncodes int, problem jsonb);
    create temp table feed_label_codes (raw_identity text, raw_grade text, code text);
    create temp table feed_places (raw_township text, raw_village text, code text, problem jsonb, missing boolean);
    create temp table feed_dates (raw text primary key, iso date, bad boolean);
    create temp table feed_actions (raw text, act text, problem jsonb)`);
  const { rows } = await client.query<Distinct>(distinctStatement(cells, options.mode === 'delta'));

  let pairs = 0;
  const labels: unknown[][] = [];
  const labelCodes: unknown[][] = [];
  const dates = new Map<string, [string | null, boolean]>();
  const actions: unknown[][] = [];
  const places: Array<{ raw: [string, string]; place?: Place; missing?: boolean }> = [];
  const placeIds = new Map<string, Place>();
  const defaultVillage = options.scope?.length === 12 ? options.scope : null;

  for (const row of rows) {
    if (row.set === 'label') {
      const { codes, problem } = identityCodes(row.a, row.b, options.department);
      pairs += codes.length * row.n;
      labels.push([row.a, row.b, codes.length, json(problem ? [problem] : [])]);
      for (const code of codes) labelCodes.push([row.a, row.b, code]);
    } else if (row.set === 'place') {
      const township = row.a.trim();
      const village = row.b.trim() || (defaultVillage ?? '');
      if (village === '') {
        places.push({ raw: [row.a, row.b], missing: true });
        continue;
      }
      // A code needs no township; names are looked up with theirs.
      const key = /^\d{12}$/.test(village) ? `\u0001${village}` : `${township}\u0001${village}`;
      let place = placeIds.get(key);
      if (!place) {
        place = { id: placeIds.size + 1, township: /^\d{12}$/.test(village) ? '' : township, village };
        placeIds.set(key, place);
      }
      places.push({ raw: [row.a, row.b], place });
    } else if (row.set === 'from' || row.set === 'to') {
      if (row.a.trim() === '' || dates.has(row.a)) continue;
      const iso = civilDateOf(row.a);
      dates.set(row.a, [iso || null, iso === '']);
    } else {
      const { action, problem } = actionOf(row.a);
      actions.push([row.a, action ?? null, json(problem ? [problem] : [])]);
    }
  }

  const resolved = await resolvePlaces(client, [...placeIds.values()], options.scope);
  const missing = json([{ column: 'village', code: 'MISSING_FIELD', message: 'required' }]);
  const placeRows = places.map(({ raw, place, missing: isMissing }) => {
    if (isMissing || !place) return [...raw, null, missing, true];
    const decided = resolved.get(place.id) ?? {};
    const problem = decided.problem
      ? json([{ column: 'village', code: 'UNKNOWN_REGION', message: decided.problem }])
      : null;
    return [...raw, decided.code ?? null, problem, false];
  });

  await write(client, 'feed_labels', ['text', 'text', 'int', 'jsonb'], labels);
  await write(client, 'feed_label_codes', ['text', 'text', 'text'], labelCodes);
  await write(client, 'feed_places', ['text', 'text', 'text', 'jsonb', 'boolean'], placeRows);
  await write(
    client,
    'feed_dates',
    ['text', 'date', 'boolean'],
    [...dates].map(([raw, [iso, bad]]) => [raw, iso, bad]),
  );
  await write(client, 'feed_actions', ['text', 'text', 'jsonb'], actions);
  await client.query(`analyze ${DECISION_TABLES.join(', ')}`);
  const refused = (rows: unknown[][], index: number) => rows.some((r) => r[index] !== null && r[index] !== false);
  return {
    pairs,
    problems: {
      labels: refused(labels, 3),
      places: refused(placeRows, 3),
      dates: [...dates.values()].some(([, bad]) => bad),
      actions: refused(actions, 2),
    },
  };
}
