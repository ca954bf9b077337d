import type pg from 'pg';

// The villages a file names, each once: a 12-digit code, or a name (with its township when the
// row gives one) looked up in identity.v_regions. Names are compared as written, then without the
// committee's suffix (德盛村村民委员会 → 德盛村), then without 村 or 社区 (德盛); the first of
// these that finds a village decides, and two villages found there are ambiguous. A key with a
// region finds only villages inside it.

/** A village as a file names it: its township cell (perhaps '') and its village cell, trimmed. */
export interface Place {
  id: number;
  township: string;
  village: string;
}

/** What a place names: a village's code, or why it names none. */
export interface PlaceDecision {
  code?: string;
  problem?: string;
}

interface Match {
  place: number;
  code: string;
  name: string;
  tier: number;
  in_scope: boolean;
}

const COMMITTEE = `'(村民委员会|居民委员会|村委会|居委会)$'`;
const MATCHES = `
with p as (
  select * from unnest($1::int[], $2::text[], $3::text[]) as p(id, township, village)
), v as (
  select v.code, v.name, t.code as t_code, t.name as t_name,
         regexp_replace(v.name, ${COMMITTEE}, '') as short
  from identity.v_regions v left join identity.v_regions t on t.code = v.parent_code
  where v.level = 'village'
), aliases as (
  select code, name, t_code, t_name, code as alias, 0 as tier from v
  union all select code, name, t_code, t_name, name, 1 from v
  union all select code, name, t_code, t_name, short, 2 from v where short <> name
  union all select code, name, t_code, t_name, regexp_replace(short, '(村|社区)$', ''), 3 from v where short ~ '(村|社区)$'
)
select p.id as place, a.code, a.name, min(a.tier) as tier, starts_with(a.code, $4::text) as in_scope
from p join aliases a on a.alias = p.village
where a.tier = 0 or p.township = ''
   or p.township in (a.t_code, a.t_name, regexp_replace(a.t_name, '(街道办事处|街道|镇|乡)$', ''))
group by p.id, a.code, a.name`;

/** Why a place found no village, in the clerk's words; undefined when it found one. */
function decide(place: Place, matches: Match[], scope: string): PlaceDecision {
  const named = place.township ? `"${place.village}" in "${place.township}"` : `"${place.village}"`;
  const inside = matches.filter((m) => m.in_scope);
  if (inside.length === 0) {
    if (matches.length > 0 && scope !== '') {
      return { problem: `${named} is outside the region of this key (${scope})` };
    }
    return { problem: `${named} is not a village of the division tree (write its 12-digit code)` };
  }
  const tier = Math.min(...inside.map((m) => m.tier));
  const best = inside.filter((m) => m.tier === tier);
  if (best.length === 1) return { code: (best[0] as Match).code };
  const listed = best
    .slice(0, 5)
    .map((m) => `${m.name} ${m.code}`)
    .join(', ');
  return { problem: `${named} names ${best.length} villages (${listed}); add the township or write the code` };
}

/** Resolves every place of a file at once: the village each names, or why none (UNKNOWN_REGION). */
export async function resolvePlaces(
  client: pg.PoolClient,
  places: readonly Place[],
  scope: string | null,
): Promise<Map<number, PlaceDecision>> {
  const decided = new Map<number, PlaceDecision>();
  if (places.length === 0) return decided;
  const { rows } = await client.query<Match>(MATCHES, [
    places.map((p) => p.id),
    places.map((p) => p.township),
    places.map((p) => p.village),
    scope ?? '',
  ]);
  const byPlace = new Map<number, Match[]>();
  for (const m of rows) {
    const list = byPlace.get(m.place) ?? [];
    list.push(m);
    byPlace.set(m.place, list);
  }
  for (const p of places) decided.set(p.id, decide(p, byPlace.get(p.id) ?? [], scope ?? ''));
  return decided;
}
