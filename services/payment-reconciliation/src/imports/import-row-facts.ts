import { createHash } from 'node:crypto';
import { type DerivedColumns, EXCEL_NUMBER_MESSAGE, isExcelShortened, type RepeatFinder } from '@rmi/ingest';
import { parseIdNumber, parseYuan, type YuanText } from '@rmi/rules';
import type { ImportSource, PaymentField } from './import-columns.js';
import { cellText, civilDateOf, flagOf, paidInstantOf, regionCodeOf, tierOf, voucherProblem } from './import-values.js';

// Every cell of a row read as it streams past, in TypeScript, by the rules that decide it (rules'
// parseIdNumber and parseYuan, import-values.ts): what the row says, normalised, and every
// problem of every cell, staged in front of the row's cells. The database then only compares
// rows with each other and with what is recorded (import-checks.ts, import-apply.ts); it never
// reads an ID number's checksum or an amount itself.

/** The staging columns in front of the file's cells, in the order `compute` returns them. */
export const FACT_COLUMNS = [
  'id', // the ID number, 18 characters
  'vch', // the voucher (an assistance list without one: the key derived from 请款批次 and the ID number)
  'orig', // a reversal: the voucher it reverses (原税票号码, else its own)
  'rvch', // a reversal: its own voucher, when it names the original apart
  'chan', // the channel code
  'rev', // '1' on a reversal row
  'amt', // personal part paid, fen
  'ast', // part paid on the person's behalf (代缴), fen
  'paid_at', // YYYY-MM-DDTHH:MM:SS+08:00
  'precise', // '1' when paid_at had a time of day
  'tier',
  'region', // a region code of 统筹地区 / 参保地
  'problems', // JSON array of { column, code, message }, empty when the row is fine
] as const;
// Text kept as written (姓名, 税务机关代码, 代缴类别, 请款批次) is read from the staged cells by the
// database (import-checks.ts): decoding and re-encoding it here would cost a file's worth of
// GB18030 work for nothing.

export interface RowFactsOptions {
  source: ImportSource;
  year: number;
  today: string;
  /** The file column of each field the header names. */
  columns: Partial<Record<PaymentField, number>>;
  /** How the file heads each column a problem is about (the field's name when it has none). */
  headerOf: (field: PaymentField) => string;
  /** The `channel` parameter of the request, already known to be a channel. */
  channel: string | null;
  /** Channel codes and names (lower case) → code. */
  channels: ReadonlyMap<string, string>;
  /** Sees each valid row's key (kind, channel, voucher), so in-file repeats are looked for only among those seen twice. */
  repeats: RepeatFinder;
}

/** The key a row is known by within its file: a payment by its voucher, a reversal by the voucher it reverses. */
export const rowKey = (reversal: boolean, channel: string, voucher: string) =>
  `${reversal ? 'R' : 'P'}\u0001${channel}\u0001${voucher}`;

/**
 * An assistance list without vouchers: each row's voucher is derived from (请款批次, ID number), so
 * the same list imported again names the same payments. A digest, not the two values: the voucher
 * is printable ASCII of at most 100 characters, and no ID number shows in it.
 */
export function assistanceVoucher(batch: string, idNumber: string): string {
  return `AB-${createHash('sha256').update(`${batch}\u0000${idNumber}`).digest('hex').slice(0, 32)}`;
}

/** Amount and period cells repeat (400.00, 380, 2025-01-01): each distinct text is read once, up to this many kept. */
const AMOUNT_CACHE = 10_000;

const isUnknownChannel = (p: { code: string }) => p.code === 'UNKNOWN_CHANNEL';

/** The tax default: an export naming no channel is what the tax bureau collected itself. */
export const TAX_DEFAULT_CHANNEL = 'tax-window';

export function rowFacts(options: RowFactsOptions): DerivedColumns {
  const { columns, source, year } = options;
  const facts: string[] = new Array(FACT_COLUMNS.length).fill('');
  const amounts = new Map<string, YuanText>();
  const yuan = (text: string): YuanText => {
    let read = amounts.get(text);
    if (!read) {
      if (amounts.size >= AMOUNT_CACHE) amounts.clear();
      read = parseYuan(text);
      amounts.set(text, read);
    }
    return read;
  };
  // Fee periods repeat as amounts do (2025-01-01, 2025-12-31): each distinct text is read once.
  const periods = new Map<string, string>();
  const header = {} as Record<PaymentField, string>;
  for (const field of Object.keys(columns) as PaymentField[]) header[field] = options.headerOf(field);
  const headerOf = (field: PaymentField) => header[field] ?? options.headerOf(field);
  const defaultChannel =
    source === 'assistance-batch' ? 'assistance' : (options.channel ?? (source === 'tax' ? TAX_DEFAULT_CHANNEL : ''));

  // One set of helpers for every row (a million rows should not make a million closures): they
  // read the row `compute` was given last.
  const problems: { column: string; code: string; message: string }[] = [];
  const problem = (field: PaymentField, code: string, message: string) => {
    problems.push({ column: headerOf(field), code, message });
  };
  let cellAt: (index: number | undefined) => string = () => '';
  const cell = (field: PaymentField) => cellText(cellAt(columns[field]));
  const amountOf = (field: PaymentField): number | null | undefined => {
    if (columns[field] === undefined) return null;
    const text = cell(field);
    if (text === '') return null;
    const read = yuan(text);
    if ('error' in read) {
      problem(field, 'AMOUNT_INVALID', read.error);
      return undefined;
    }
    return read.fen;
  };

  return {
    names: FACT_COLUMNS,
    compute(rowCell) {
      cellAt = rowCell;
      problems.length = 0;

      // The ID number, by rules.
      const rawId = cell('idNumber');
      let id = '';
      if (rawId === '') problem('idNumber', 'MISSING_FIELD', 'required');
      else {
        const text = /[^\x20-\x7e]/.test(rawId) ? rawId.normalize('NFKC').replace(/\s+/g, '') : rawId;
        const parsed = parseIdNumber(text, options.today);
        if (parsed.ok) id = parsed.idNumber;
        else if (isExcelShortened(text) || (/^\d{15}000$/.test(text) && text.length === 18)) {
          problem('idNumber', 'ID_NUMBER_MANGLED', EXCEL_NUMBER_MESSAGE);
        } else problem('idNumber', 'INVALID_ID_NUMBER', parsed.message);
      }

      // A reversal row (冲正 / 作废)?
      let reversal = false;
      if (columns.reversal !== undefined) {
        const flag = flagOf(cell('reversal'));
        if (flag === undefined) {
          problem('reversal', 'INVALID_VALUE', `"${cell('reversal')}" is not 是/否, Y/N or 1/0`);
        } else reversal = flag;
      }

      // The channel: the request's, else the row's 渠道, else the source's own.
      let channel = defaultChannel;
      if (source !== 'assistance-batch' && options.channel === null && columns.channel !== undefined) {
        const named = cell('channel');
        if (named !== '') {
          const code = options.channels.get(named.toLowerCase()) ?? options.channels.get(named.normalize('NFKC'));
          if (code === undefined) {
            problem('channel', 'UNKNOWN_CHANNEL', `"${named}" is not a channel of GET /v1/channels (code or name)`);
            channel = '';
          } else channel = code;
        }
      }
      if (channel === '' && !problems.some(isUnknownChannel)) {
        problem('channel', 'MISSING_FIELD', 'required: the channel the payment came through');
      }

      // The voucher; a row of an assistance list without one gets the key of (请款批次, ID number).
      let voucher = cell('voucher');
      let voucherRefused = false;
      if (voucher !== '') {
        const why = voucherProblem(voucher);
        if (why) {
          problem('voucher', 'INVALID_VALUE', why);
          voucher = '';
          voucherRefused = true;
        }
      } else if (source === 'assistance-batch') {
        const batch = cell('requestBatch');
        if (batch === '')
          problem('requestBatch', 'MISSING_FIELD', 'required: without a voucher, the request batch names the payment');
        else if (id !== '') voucher = assistanceVoucher(batch, id);
      }
      // A reversal names the voucher it reverses (原税票号码), or is the voided voucher itself.
      let original = '';
      let ownVoucher = '';
      if (reversal) {
        const named = cell('originalVoucher');
        if (named !== '') {
          const why = voucherProblem(named);
          if (why) problem('originalVoucher', 'INVALID_VALUE', why);
          else {
            original = named;
            ownVoucher = voucher;
          }
        } else if (voucher !== '') original = voucher;
        else if (!voucherRefused && source !== 'assistance-batch') {
          problem(
            columns.originalVoucher !== undefined ? 'originalVoucher' : 'voucher',
            'MISSING_FIELD',
            'required on a reversal: the voucher it reverses',
          );
        }
      } else if (voucher === '' && !voucherRefused && source !== 'assistance-batch') {
        problem('voucher', 'MISSING_FIELD', 'required');
      }

      // Amounts, exactly, by rules' parseYuan; a reversal's may be negative or left out.
      const paid = amountOf('amount');
      const assisted = amountOf('assistance');
      const total = amountOf('total');
      let amount = paid ?? null;
      const assistance = assisted ?? 0;
      const amountField: PaymentField = columns.amount !== undefined ? 'amount' : 'total';
      if (paid !== undefined && assisted !== undefined && total !== undefined) {
        if (paid === null && total !== null) amount = total - assistance;
        else if (paid !== null && total !== null && paid + assistance !== total) {
          problem(
            'total',
            'AMOUNT_INVALID',
            `合计 ${yuanText(total)} is not 个人缴费金额 ${yuanText(paid)} + 资助金额 ${yuanText(assistance)}`,
          );
        }
        if (!reversal) {
          if (source === 'assistance-batch') {
            if (assisted === null)
              problem('assistance', 'MISSING_FIELD', 'required: the amount paid on the person’s behalf');
            else if (assistance <= 0)
              problem('assistance', 'AMOUNT_INVALID', 'nothing was paid on the person’s behalf');
            else if ((amount ?? 0) < 0)
              problem(amountField, 'AMOUNT_INVALID', 'negative on a row that is not a reversal (冲正)');
          } else if (amount === null) problem(amountField, 'MISSING_FIELD', 'required: the amount paid');
          else if (amount < 0 || assistance < 0) {
            problem(
              amount < 0 ? amountField : 'assistance',
              'AMOUNT_INVALID',
              'negative on a row that is not a reversal (冲正)',
            );
          } else if (amount + assistance === 0) problem(amountField, 'AMOUNT_INVALID', 'nothing was paid (0)');
        }
      }

      // When it was paid, and the year the fee period is for.
      const paidText = cell('paidAt');
      const instant = paidText === '' ? undefined : paidInstantOf(paidText);
      if (paidText === '') problem('paidAt', 'MISSING_FIELD', 'required');
      else if (!instant)
        problem('paidAt', 'INVALID_DATE', `"${paidText}" is not a date and time (YYYY-MM-DD HH:MM:SS)`);
      for (const field of ['periodStart', 'periodEnd'] as const) {
        if (columns[field] === undefined) continue;
        const text = cell(field);
        if (text === '') continue;
        let date = periods.get(text);
        if (date === undefined) {
          if (periods.size >= AMOUNT_CACHE) periods.clear();
          date = civilDateOf(text);
          periods.set(text, date);
        }
        if (date === '') problem(field, 'INVALID_DATE', `"${text}" is not a date (YYYY-MM-DD)`);
        else if (Number(date.slice(0, 4)) !== year) {
          problem(field, 'YEAR_MISMATCH', `the fee period ${date} is not in ${year}, the year this import is for`);
        }
      }

      const tierText = cell('tier');
      const tier = tierOf(tierText);
      if (tier === undefined) problem('tier', 'INVALID_VALUE', `"${tierText}" is not a tier (1, 2, 一档, 二档)`);

      if (problems.length === 0) options.repeats.see(rowKey(reversal, channel, reversal ? original : voucher));

      facts[0] = id;
      facts[1] = voucher;
      facts[2] = original;
      facts[3] = ownVoucher;
      facts[4] = channel;
      facts[5] = reversal ? '1' : '';
      facts[6] = amount === null ? '0' : String(amount);
      facts[7] = String(assistance);
      facts[8] = instant?.iso ?? '';
      facts[9] = instant?.precise ? '1' : '';
      facts[10] = tier ? String(tier) : '';
      facts[11] = regionCodeOf(cell('region'));
      facts[12] = problems.length > 0 ? JSON.stringify(problems) : '';
      return facts;
    },
  };
}

const yuanText = (fen: number) =>
  `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
