import type { RosterQuery, RosterTotal } from '@rmi/contracts';
import { createSiblingPool, type Db } from '@rmi/db';
import type { XlsxColumn } from '@rmi/ingest';
import { keysetPages } from '@rmi/ingest';
import { canonicalIdentityOrder, collectionYear, identityType, type PolicyDocument } from '@rmi/rules';
import { type Actor, type PolicyCatalog, shanghaiToday } from '@rmi/service-kit';
import {
  type Download,
  type DownloadLog,
  jsonArray,
  jsonDownload,
  jsonMember,
  tableDownload,
} from '../downloads/download-body.js';
import { type Disclosure, disclosureFor } from '../identities/disclosure.js';
import { narrowScope, spellScopeOf } from '../identities/reader-scope.js';
import { holdSession } from './held-session.js';
import { DROP_ROSTER, FILL_ROSTER, INDEX_ROSTER, ROSTER_PAGE, ROSTER_TOTALS } from './roster-statements.js';
import { groupTotals, policyOfGroup, type TotalsRow } from './roster-targets.js';

interface PersonRow {
  village_code: string;
  id_number: string;
  name: string | null;
  identities: string[];
  status: 'unregistered' | 'registered' | 'paid';
  paid_fen: number | null;
}

/** A village or township of the roster with its totals (the villages of a township in code order). */
interface Group {
  code: string;
  name: string | null;
  totals: RosterTotal[];
}

interface Township extends Group {
  villages: Group[];
}

const STATUS_LABELS = { unregistered: '未登记', registered: '已登记未缴费', paid: '已缴费' } as const;
const labelOf = (code: string | null) => (code === null ? '全部' : (identityType(code)?.labels[0] ?? code));
const yuan = (fen: number | null) => (fen === null ? null : fen / 100);

/** The roster as a spreadsheet: people, then a subtotal per village, a total per township, and the grand total. */
export const ROSTER_COLUMNS: readonly XlsxColumn[] = [
  { header: '乡镇', width: 14 },
  { header: '乡镇代码', type: 'text', width: 12 },
  { header: '村', width: 24 },
  { header: '村代码', type: 'text', width: 15 },
  { header: '身份证号码', type: 'text', width: 22 },
  { header: '姓名', width: 10 },
  { header: '身份类别', width: 24 },
  { header: '参保状态', width: 14 },
  { header: '缴费金额(元)', type: 'number', width: 12 },
  { header: '人数', type: 'number' },
  { header: '未登记', type: 'number' },
  { header: '已登记未缴费', type: 'number', width: 14 },
  { header: '已缴费', type: 'number' },
  { header: '缴费率(%)', type: 'number' },
  { header: '目标(%)', type: 'number' },
  { header: '是否达标' },
];

function totalCells(place: (string | null)[], label: string, t: RosterTotal): unknown[] {
  return [
    ...place,
    '',
    label,
    labelOf(t.identity),
    '',
    yuan(t.paidFen),
    t.persons,
    t.unregistered,
    t.registered,
    t.paid,
    t.percentPaid,
    t.targetPercent,
    t.targetMet === null ? '' : t.targetMet ? '是' : '否',
  ];
}

/** Pulls rows of one village at a time from rows sorted by village. */
function byVillage(rows: AsyncGenerator<PersonRow>) {
  let next: IteratorResult<PersonRow> | undefined;
  return async function* of(village: string): AsyncGenerator<PersonRow> {
    for (;;) {
      next ??= await rows.next();
      if (next.done || next.value.village_code > village) return;
      const row = next.value;
      next = undefined;
      if (row.village_code === village) yield row;
    }
  };
}

/**
 * Rosters (contracts/identity-feeds.md "Rosters"): everyone holding a department's identities on a
 * day, with their enrolment of the year, grouped by township and village, with totals and the
 * share paid of each identity against the policy's goal for special groups. The people are put in
 * a temp table once, on a session of its own held while the download streams.
 */
export function createRostersService(opts: {
  pool: Db;
  catalog: PolicyCatalog;
  log: DownloadLog;
  limits: { sessions: number; statementTimeoutMs: number };
}) {
  const sessions = createSiblingPool(opts.pool, {
    max: opts.limits.sessions,
    applicationName: 'identity-roster',
    statementTimeoutMs: opts.limits.statementTimeoutMs,
    // No transaction stays open while a download waits for its reader.
    idleInTransactionTimeoutMs: 0,
  });

  async function roster(actor: Actor, query: RosterQuery): Promise<Download> {
    const scope = narrowScope(spellScopeOf(actor), { department: query.department, regionCode: query.regionCode });
    const show = disclosureFor(actor, scope.department);
    const on = query.on ?? shanghaiToday();
    const policies = await opts.catalog.documents();
    const year = query.year ?? collectionYear(policies, scope.regionPrefix, on);

    const client = await sessions.connect();
    const session = holdSession(client, DROP_ROSTER);
    let townships: Township[];
    let overall: RosterTotal[];
    try {
      await session.query(DROP_ROSTER, []);
      await session.query(FILL_ROSTER, [scope.department, scope.regionPrefix ?? '', on, year]);
      await session.query(INDEX_ROSTER, []);
      const totals = await session.query<TotalsRow>(ROSTER_TOTALS, []);
      const codes = [...new Set(totals.flatMap((r) => [r.township_code, r.village_code]).filter((c) => c !== null))];
      const names = new Map(
        (
          await session.query<{ code: string; name: string }>(
            'select code, name from identity.v_regions where code = any($1::text[])',
            [codes],
          )
        ).map((r) => [r.code, r.name]),
      );
      ({ townships, overall } = arrange(totals, names, policies, year, scope.regionPrefix));
    } catch (err) {
      await session.end();
      throw err;
    }

    const rows = keysetPages<PersonRow, readonly [string, string]>(
      (after, limit) =>
        session.query<PersonRow>(ROSTER_PAGE, [after?.[0] ?? '', after?.[1] ?? '', query.status, limit]),
      (r) => [r.village_code, r.id_number],
    );
    const download =
      query.format === 'json'
        ? jsonDownload(
            jsonRoster(
              { ...query, department: scope.department, regionCode: scope.regionPrefix, year, on },
              townships,
              overall,
              rows,
              show,
            ),
            opts.log,
          )
        : tableDownload(
            query.format,
            {
              fileName: `roster-${scope.department ?? 'all'}-${scope.regionPrefix ?? 'all'}-${year}-${on}`,
              sheetName: `${year}年参保名册`,
              columns: ROSTER_COLUMNS,
            },
            tableRoster(townships, overall, rows, show),
            opts.log,
          );
    // The session goes back when the download ends, is cut short, or is never read.
    download.body.once('close', () => void session.end());
    return download;
  }

  return {
    roster,
    async close(): Promise<void> {
      await sessions.end();
    },
  };
}

/** Townships and villages in code order with their totals, and the overall totals. */
function arrange(
  totals: readonly TotalsRow[],
  names: ReadonlyMap<string, string>,
  policies: readonly PolicyDocument[],
  year: number,
  regionPrefix: string | null,
): { townships: Township[]; overall: RosterTotal[] } {
  const group = (level: TotalsRow['level'], code: string | null) =>
    totals.filter((r) => r.level === level && (level === 'village' ? r.village_code : r.township_code) === code);
  const townshipCodes = [
    ...new Set(totals.filter((r) => r.level === 'township').map((r) => r.township_code as string)),
  ].sort();
  const townships = townshipCodes.map((code) => {
    const villageCodes = [
      ...new Set(
        totals.filter((r) => r.level === 'village' && r.township_code === code).map((r) => r.village_code as string),
      ),
    ].sort();
    return {
      code,
      name: names.get(code) ?? null,
      totals: groupTotals(group('township', code), policyOfGroup(policies, code, year)),
      villages: villageCodes.map((v) => ({
        code: v,
        name: names.get(v) ?? null,
        totals: groupTotals(group('village', v), policyOfGroup(policies, v, year)),
      })),
    };
  });
  // Overall: the policy of the region asked for, or the one policy all the townships share.
  const shared = new Set(townshipCodes.map((c) => policyOfGroup(policies, c, year)));
  const policy =
    regionPrefix !== null
      ? policyOfGroup(policies, regionPrefix, year)
      : shared.size === 1
        ? [...shared][0]
        : undefined;
  return { townships, overall: groupTotals(group('all', null), policy) };
}

function personOf(r: PersonRow, show: Disclosure) {
  return {
    idNumber: show.idNumber(r.id_number),
    name: show.name(r.name),
    identities: canonicalIdentityOrder(r.identities),
    status: r.status,
    paidFen: r.paid_fen,
  };
}

async function* jsonRoster(
  head: { department: string | null; regionCode: string | null; year: number; on: string; status: string },
  townships: readonly Township[],
  overall: readonly RosterTotal[],
  rows: AsyncGenerator<PersonRow>,
  show: Disclosure,
): AsyncGenerator<string> {
  const of = byVillage(rows);
  yield `{${[
    jsonMember('department', head.department),
    jsonMember('regionCode', head.regionCode),
    jsonMember('year', head.year),
    jsonMember('on', head.on),
    jsonMember('status', head.status),
    jsonMember('totals', overall),
  ].join(',')},"townships":[`;
  let t = 0;
  for (const township of townships) {
    yield `${t++ ? ',' : ''}{${[
      jsonMember('townshipCode', township.code),
      jsonMember('townshipName', township.name),
      jsonMember('totals', township.totals),
    ].join(',')},"villages":[`;
    let v = 0;
    for (const village of township.villages) {
      yield `${v++ ? ',' : ''}{${[
        jsonMember('villageCode', village.code),
        jsonMember('villageName', village.name),
        jsonMember('totals', village.totals),
      ].join(',')},"persons":`;
      yield* jsonArray(of(village.code), (r) => personOf(r, show));
      yield '}';
    }
    yield ']}';
  }
  yield ']}';
}

async function* tableRoster(
  townships: readonly Township[],
  overall: readonly RosterTotal[],
  rows: AsyncGenerator<PersonRow>,
  show: Disclosure,
): AsyncGenerator<unknown[]> {
  const of = byVillage(rows);
  for (const township of townships) {
    for (const village of township.villages) {
      const place = [township.name, township.code, village.name, village.code];
      for await (const r of of(village.code)) {
        yield [
          ...place,
          show.idNumber(r.id_number),
          show.name(r.name),
          canonicalIdentityOrder(r.identities).map(labelOf).join('、'),
          STATUS_LABELS[r.status],
          yuan(r.paid_fen),
        ];
      }
      for (const total of village.totals) yield totalCells(place, '村小计', total);
    }
    for (const total of township.totals) yield totalCells([township.name, township.code, '', ''], '乡镇合计', total);
  }
  for (const total of overall) yield totalCells(['', '', '', ''], '总计', total);
}

export type RostersService = ReturnType<typeof createRostersService>;
