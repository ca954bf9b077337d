import type { Target, TargetsWritten } from '@rmi/contracts';
import type { TargetRow, WrittenTargetRow } from './targets.repository.js';

export const toTarget = (row: TargetRow): Target => ({
  regionCode: row.region_code,
  regionName: row.region_name,
  year: row.year,
  target: row.target,
  basis: row.basis,
  basisDate: row.basis_date,
  source: row.source,
  setBy: row.set_by,
  setAt: row.set_at.toISOString(),
});

export const sumTargets = (rows: readonly { target: number }[]) => rows.reduce((total, r) => total + r.target, 0);

export const toWritten = (year: number, rows: WrittenTargetRow[]): TargetsWritten => {
  const inserted = rows.filter((r) => r.inserted).length;
  return { year, inserted, updated: rows.length - inserted, total: sumTargets(rows), targets: rows.map(toTarget) };
};
