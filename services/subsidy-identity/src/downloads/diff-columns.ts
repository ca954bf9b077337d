import type { DiffRow } from '@rmi/contracts';
import type { SpellChange } from '@rmi/db';
import type { XlsxColumn } from '@rmi/ingest';
import { identityType } from '@rmi/rules';
import type { Disclosure } from '../identities/disclosure.js';
import type { ChangeRow } from './downloads.repository.js';

/** 变动类型 as departments word it. */
export const CHANGE_LABELS: Readonly<Record<SpellChange, string>> = {
  added: '新增',
  removed: '退出',
  changed: '变更',
  moved: '迁移',
};

/** The diff as a spreadsheet: Chinese headers; ID numbers and codes as text. */
export const DIFF_COLUMNS: readonly XlsxColumn[] = [
  { header: '身份证号码', type: 'text', width: 22 },
  { header: '姓名' },
  { header: '身份类别', width: 24 },
  { header: '身份代码', type: 'text', width: 24 },
  { header: '变动类型' },
  { header: '原村', width: 24 },
  { header: '原村代码', type: 'text', width: 16 },
  { header: '现村', width: 24 },
  { header: '现村代码', type: 'text', width: 16 },
  { header: '原纳入时间', type: 'text', width: 12 },
  { header: '现纳入时间', type: 'text', width: 12 },
  { header: '原退出时间', type: 'text', width: 12 },
  { header: '现退出时间', type: 'text', width: 12 },
  { header: '文件行号', type: 'number' },
];

const labelOf = (code: string) => identityType(code)?.labels[0] ?? code;

/**
 * One change as the JSON answer shows it. `before` is the spell the batch found (null when
 * added); `after` the spell it leaves (for a removal only `to`, the day the spell ends).
 */
export function toDiffRow(r: ChangeRow, show: Disclosure): DiffRow {
  return {
    idNumber: show.idNumber(r.id_number),
    name: show.name(r.name),
    identity: r.identity_code,
    change: r.change,
    line: r.line,
    before:
      r.before_village === null && r.before_from === null
        ? null
        : { identity: r.identity_code, villageCode: r.before_village, from: r.before_from, to: r.before_to },
    after:
      r.after_village === null && r.after_from === null && r.after_to === null
        ? null
        : { identity: r.identity_code, villageCode: r.after_village, from: r.after_from, to: r.after_to },
  };
}

/** One change as a spreadsheet row, in DIFF_COLUMNS order. */
export function diffCells(r: ChangeRow, show: Disclosure): unknown[] {
  return [
    show.idNumber(r.id_number),
    show.name(r.name),
    labelOf(r.identity_code),
    r.identity_code,
    CHANGE_LABELS[r.change],
    r.before_village_name ?? r.before_village,
    r.before_village,
    r.after_village_name ?? r.after_village,
    r.after_village,
    r.before_from,
    r.after_from,
    r.before_to,
    r.after_to,
    r.line,
  ];
}
