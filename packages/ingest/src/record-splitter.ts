import { Transform, type TransformCallback } from 'node:stream';
import { decodeAs, encodeAs, type TextEncoding } from './text-encoding.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const EMPTY = Buffer.alloc(0);
const MIN_OUTPUT_BYTES = 16 * 1024;
/** RecordSplitter.cells before the current record was looked at, and for a record with quotes. */
const UNSCANNED = -1;
const QUOTED = -2;
/** Non-ASCII cells up to this many bytes are decoded once per distinct value, up to this many values kept. */
const SHORT_CELL_BYTES = 24;
const SHORT_CELLS_KEPT = 4096;

/** The bytes of the cell at `index` of one CSV record (quotes removed), or none when the record is shorter. */
export function cellAt(record: Buffer, index: number): Buffer {
  let field = 0;
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i <= record.length; i++) {
    const byte = record[i];
    if (i < record.length && byte === QUOTE) inQuotes = !inQuotes;
    else if (i === record.length || (byte === COMMA && !inQuotes)) {
      if (field === index) {
        const cell = record.subarray(start, i);
        if (cell[0] !== QUOTE) return cell;
        // Only the quote bytes change, and neither encoding uses 0x22 inside a character.
        return Buffer.from(
          cell
            .subarray(1, cell.length - 1)
            .toString('latin1')
            .replaceAll('""', '"'),
          'latin1',
        );
      }
      field++;
      start = i + 1;
    }
  }
  return Buffer.alloc(0);
}

function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** `value` as one CSV cell. */
export const csvCell = (value: string): string =>
  value !== '' && NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
const NEEDS_QUOTES = /[",\n\r]/;

/**
 * Columns computed from a record's cells as it passes, staged in front of them: a normalised ID
 * number and what it says of sex and birth, say, so the database never derives them itself.
 */
export interface DerivedColumns {
  /** Staging column names, in the order `compute` returns their values. */
  names: readonly string[];
  /**
   * `cell(i)` is the trimmed text of the record's cell i ('' when short, or for undefined). The
   * values are read before the next record, so one array may serve every record.
   */
  compute(cell: (index: number | undefined) => string): readonly string[];
}

export interface SplitterOptions {
  encoding: TextEncoding;
  /** Physical line of the header: records starting on it or above it (title rows) are not staged. */
  headerLine: number;
  /** Cells of the header: a shorter record is padded with empty cells, a longer one refused. */
  columns: number;
  derive?: DerivedColumns;
  /** Receives the starting line of each staged record, so a COPY error by record number can be told by line. */
  recordLines?: number[];
}

/** A record with more non-empty cells than the header: which column is which cannot be told. */
export class RaggedRecord extends Error {
  constructor(readonly line: number) {
    super(`line ${line} has more cells than the header`);
    this.name = 'RaggedRecord';
  }
}

const isFiller = (byte: number | undefined) => byte === COMMA || byte === SPACE || byte === TAB || byte === QUOTE;

function onlyFiller(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isFiller(bytes[i])) return false;
  return true;
}

/**
 * Cuts a CSV byte stream into records without parsing their cells, and hands PostgreSQL's COPY
 * each data record prefixed with the physical line it starts on (and any derived columns), so
 * every rejection can name its line. Quotes are tracked so a line break inside a quoted cell stays
 * in its record; CRLF becomes LF; empty records and records of empty cells (`,,,` as Excel leaves
 * them) are dropped; records short of the header's cells are padded, trailing empty cells beyond
 * it cut. Works on UTF-8 and GB18030 alike: neither uses the bytes of `"`, `,`, CR or LF inside a
 * multi-byte character.
 */
export class RecordSplitter extends Transform {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private inQuotes = false;
  /** Unquoted commas in the current record, and where the first cell past the header's begins. */
  private commas = 0;
  private overflowAt = -1;
  /** Physical line the next byte is on (1-based), and the line the current record started on. */
  private line = 1;
  private recordLine = 1;
  private readonly out = new Output();
  /** The record `derive` is reading, and the accessor it reads cells through (made once, not per record). */
  private current: Buffer = EMPTY;
  private readonly cellOf: (index: number | undefined) => string;
  /**
   * The current record as text, found in one pass the first time `derive` asks for a cell: latin1
   * (a character per byte) for GB18030, decoded for UTF-8; where each cell ends in it (its comma,
   * or the record's end), and whether it holds anything but ASCII. Reading each cell by scanning
   * from the record's start, and copying it out of the buffer, made a dozen reads cost ten times
   * the rest of the record's way to COPY.
   */
  private text = '';
  private readonly ends: Int32Array;
  private readonly wide: Uint8Array;
  private cells = UNSCANNED;
  /** Short non-ASCII cells as decoded (是, 否, 一档, a channel's name), by their bytes: they repeat down a file. */
  private readonly decoded = new Map<string, string>();
  records = 0;
  bytes = 0;

  constructor(private readonly options: SplitterOptions) {
    super();
    this.cellOf = (index) => (index === undefined ? '' : this.cellText(index));
    this.ends = new Int32Array(options.columns + 1);
    this.wide = new Uint8Array(options.columns + 1);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    // COPY lines are the records with a line number and the derived columns in front.
    this.out.reserve(chunk.length + (chunk.length >> 2));
    let start = 0;
    const limit = this.options.columns;
    // The scan keeps its state in locals, written back around each record: a loop over every byte
    // of an upload reading and writing fields of `this` ran at a fraction of the speed.
    let inQuotes = this.inQuotes;
    let commas = this.commas;
    let overflowAt = this.overflowAt;
    try {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === QUOTE) inQuotes = !inQuotes;
        else if (byte === COMMA) {
          if (!inQuotes && ++commas === limit) overflowAt = this.pendingLength + (i - start);
        } else if (byte === LF) {
          this.line++;
          if (!inQuotes) {
            this.append(chunk.subarray(start, i));
            this.commas = commas;
            this.overflowAt = overflowAt;
            this.endRecord();
            commas = 0;
            overflowAt = -1;
            start = i + 1;
            this.recordLine = this.line;
          }
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    this.inQuotes = inQuotes;
    this.commas = commas;
    this.overflowAt = overflowAt;
    this.append(chunk.subarray(start));
    const out = this.out.take();
    if (out) this.push(out);
    done();
  }

  override _flush(done: TransformCallback): void {
    try {
      this.endRecord();
    } catch (err) {
      done(err as Error);
      return;
    }
    const out = this.out.take();
    if (out) this.push(out);
    done();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingLength += part.length;
  }

  private endRecord(): void {
    let record =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingLength);
    const commas = this.commas;
    const overflowAt = this.overflowAt;
    this.pending = [];
    this.pendingLength = 0;
    this.commas = 0;
    this.overflowAt = -1;
    let end = record.length;
    if (end && record[end - 1] === CR) end--;
    if (end === 0 || this.recordLine <= this.options.headerLine) return;
    // Excel writes rows it once formatted as nothing but commas.
    if (isFiller(record[0]) && onlyFiller(record, 0, end)) return;
    const { columns } = this.options;
    let padding = 0;
    if (commas >= columns) {
      if (!onlyFiller(record, overflowAt, end)) throw new RaggedRecord(this.recordLine);
      end = overflowAt;
    } else if (commas < columns - 1) padding = columns - 1 - commas;
    if (end < record.length) record = record.subarray(0, end);

    this.records++;
    this.options.recordLines?.push(this.recordLine);
    const { out } = this;
    out.text(`${this.recordLine},`);
    this.derived(record);
    out.bytes(record);
    out.commas(padding);
    out.newline();
  }

  /** The trimmed text of cell `index` of the current record. */
  private cellText(index: number): string {
    const record = this.current;
    if (this.cells === UNSCANNED) this.scanCells(record);
    // A record with quotes is read cell by cell, quotes undone; exports quote only the odd cell.
    if (this.cells === QUOTED) return decodeAs(cellAt(record, index), this.options.encoding).trim();
    if (index >= this.cells) return '';
    const start = index === 0 ? 0 : (this.ends[index - 1] as number) + 1;
    const end = this.ends[index] as number;
    const text = this.text.slice(start, end);
    // ASCII reads the same in GB18030: ID numbers and dates skip the decoder.
    if (this.options.encoding === 'utf-8' || this.wide[index] === 0) return text.trim();
    if (end - start > SHORT_CELL_BYTES) return decodeAs(record.subarray(start, end), 'gb18030').trim();
    let decoded = this.decoded.get(text);
    if (decoded === undefined) {
      decoded = decodeAs(record.subarray(start, end), 'gb18030').trim();
      if (this.decoded.size >= SHORT_CELLS_KEPT) this.decoded.clear();
      this.decoded.set(text, decoded);
    }
    return decoded;
  }

  /** Reads the current record's text and where its cells end, or marks it as one with quotes. */
  private scanCells(record: Buffer): void {
    const text = record.toString(this.options.encoding === 'utf-8' ? 'utf8' : 'latin1');
    const { ends, wide } = this;
    const room = ends.length - 1;
    let cells = 0;
    let nonAscii = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.cells = QUOTED;
        return;
      }
      // endRecord cut cells past the header's, so a record has no more commas than `ends` has room for.
      if (c === COMMA && cells < room) {
        ends[cells] = i;
        wide[cells++] = nonAscii;
        nonAscii = 0;
      } else if (c >= 0x80) nonAscii = 1;
    }
    ends[cells] = text.length;
    wide[cells++] = nonAscii;
    this.text = text;
    this.cells = cells;
  }

  /** The derived columns of a record as CSV cells, each followed by a comma. */
  private derived(record: Buffer): void {
    const { derive, encoding } = this.options;
    if (!derive) return;
    this.current = record;
    this.cells = UNSCANNED;
    const values = derive.compute(this.cellOf);
    this.current = EMPTY;
    this.text = '';
    let text = '';
    for (const value of values) text += `${csvCell(value)},`;
    // COPY reads the whole line in the file's encoding.
    if (encoding === 'utf-8' || isAsciiText(text)) this.out.text(text);
    else this.out.bytes(encodeAs(text, encoding));
  }
}

/** The bytes for COPY of one chunk, written into one growing buffer rather than a buffer per piece. */
class Output {
  private buf = EMPTY;
  private length = 0;

  /** Room for about `bytes` more, taken at once when a chunk's size says what is coming. */
  reserve(bytes: number): void {
    this.room(bytes);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes, MIN_OUTPUT_BYTES));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  text(text: string): void {
    this.room(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    this.length += bytes.copy(this.buf, this.length);
  }

  commas(count: number): void {
    if (count === 0) return;
    this.room(count);
    this.buf.fill(COMMA, this.length, this.length + count);
    this.length += count;
  }

  newline(): void {
    this.room(1);
    this.buf[this.length++] = LF;
  }

  /** What was written since the last take, handed over; undefined when nothing was. */
  take(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const out = this.buf.subarray(0, this.length);
    this.buf = EMPTY;
    this.length = 0;
    return out;
  }
}
