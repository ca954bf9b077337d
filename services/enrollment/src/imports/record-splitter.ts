import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = Buffer.from(',');
const NEWLINE = Buffer.from('\n');

/**
 * Cuts a CSV byte stream into records without parsing their fields, and hands PostgreSQL's COPY
 * each record prefixed with the physical line it starts on, so every rejection can name its line.
 * The header record is held back for the caller; empty lines are dropped; CRLF becomes LF. Quotes
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
  constructor(
    private readonly onHeader: (header: Buffer) => void,
    private readonly recordLines: number[] = [],
  ) {
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
      this.onHeader(record);
      return;
    }
    this.records++;
    this.recordLines.push(this.recordLine);
    out.push(Buffer.from(String(this.recordLine)), COMMA, record, NEWLINE);
  }
}
