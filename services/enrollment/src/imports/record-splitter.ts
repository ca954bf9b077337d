import { Transform, type TransformCallback } from 'node:stream';
import { parseIdNumber } from '@rmi/rules';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA_BYTE = 0x2c;
const NEWLINE = Buffer.from('\n');

/** The cell at `index` of one CSV record (quotes removed), or '' when the record is shorter. */
export function cellAt(record: Buffer, index: number): Buffer {
  let field = 0;
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i <= record.length; i++) {
    const byte = record[i];
    if (i < record.length && byte === QUOTE) inQuotes = !inQuotes;
    else if (i === record.length || (byte === COMMA_BYTE && !inQuotes)) {
      if (field === index) {
        let cell = record.subarray(start, i);
        if (cell[0] === QUOTE)
          cell = Buffer.from(
            cell
              .subarray(1, cell.length - 1)
              .toString('latin1')
              .replaceAll('""', '"'),
            'latin1',
          );
        return cell;
      }
      field++;
      start = i + 1;
    }
  }
  return Buffer.alloc(0);
}

/**
 * Checks the ID number cell of a record with parseIdNumber (the one GB 11643 check of the system)
 * while the bytes stream past, so PostgreSQL receives it normalised or with its problem named.
 * ID numbers are ASCII; any other byte makes the cell a format problem whatever the encoding.
 */
export function idColumns(record: Buffer, index: number | undefined, today: string): string {
  if (index === undefined) return ',format';
  return idCells(cellAt(record, index).toString('latin1'), today);
}

/** `<normalised ID>,` or `,<problem>`: the two leading staging columns for one ID number cell. */
export function idCells(raw: string, today: string): string {
  const parsed = parseIdNumber(raw, today);
  if (parsed.ok) return `${parsed.idNumber},`;
  // Excel shows an 18-digit number as 1.10105E+17 and saves it so: the digits are gone.
  return /^\s*\d(\.\d+)?e\+\d+\s*$/i.test(raw) ? ',excel-number' : `,${parsed.problem}`;
}

/**
 * Cuts a CSV byte stream into records without parsing their fields, and hands PostgreSQL's COPY
 * each record prefixed with the physical line it starts on, so every rejection can name its line.
 * Each record also gets its ID number cell checked and normalised, as two leading columns (see
 * idColumns). The header record is skipped; empty lines are dropped; CRLF becomes LF. Quotes
 * are tracked so a line break inside a quoted cell stays in its record. Works on UTF-8 and
 * GB18030 alike: neither uses the bytes of `"`, `,`, CR or LF inside a multi-byte character.
 */
export class RecordSplitter extends Transform {
  /** Bytes of the current, unfinished record. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private inQuotes = false;
  /** Physical line the next byte is on (1-based), and the line the current record started on. */
  private line = 1;
  private recordLine = 1;
  private headerSeen = false;
  header: Buffer | undefined;
  records = 0;
  bytes = 0;

  /**
   * @param recordLines receives the starting line of each data record, in order, so an error that
   *   PostgreSQL reports by record number can be told by line.
   */
  constructor(private readonly options: { idColumn: number | undefined; today: string; recordLines?: number[] }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) this.inQuotes = !this.inQuotes;
      else if (byte === LF) {
        this.line++;
        if (!this.inQuotes) {
          this.append(chunk.subarray(start, i));
          this.endRecord(out);
          start = i + 1;
          this.recordLine = this.line;
        }
      }
    }
    this.append(chunk.subarray(start));
    if (out.length) this.push(Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    const out: Buffer[] = [];
    this.endRecord(out);
    if (out.length) this.push(Buffer.concat(out));
    done();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingLength += part.length;
  }

  private endRecord(out: Buffer[]): void {
    let record =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    if (record.length && record[record.length - 1] === CR) record = record.subarray(0, record.length - 1);
    if (record.length === 0) return;
    if (!this.headerSeen) {
      this.headerSeen = true;
      this.header = record;
      return;
    }
    this.records++;
    this.options.recordLines?.push(this.recordLine);
    const id = idColumns(record, this.options.idColumn, this.options.today);
    out.push(Buffer.from(`${this.recordLine},${id},`), record, NEWLINE);
  }
}
