import { Readable } from 'node:stream';
import {
  FileProblem,
  type Staged,
  stageUpload,
  type UploadFormat,
  uploadBytes,
  watchHeaderRows,
  type XlsxLimits,
} from '@rmi/ingest';
import { UnprocessableError } from '@rmi/service-kit';
import type pg from 'pg';
import { batchProblem } from '../feeds/feed-errors.js';
import { DEATH_HEADER, type DeathField, REQUIRED_DEATH_COLUMNS } from './death-columns.js';
import { deathFacts } from './death-facts.js';

export const DEATH_ROWS = 'death_rows';

export interface StageDeathsOptions {
  format: UploadFormat;
  today: string;
  maxBytes: number;
  xlsx: XlsxLimits;
}

/**
 * A death list (CSV, XLSX or NDJSON) into the temp table `death_rows` through @rmi/ingest: each
 * record with its physical line, its facts (death-facts.ts) and its cells. A header without the ID
 * or the death day is 422 MISSING_COLUMNS naming them; an unreadable file 400 FILE_UNREADABLE;
 * one past FEED_MAX_BYTES 413 BODY_TOO_LARGE.
 */
export async function stageDeaths(
  client: pg.PoolClient,
  body: Readable,
  options: StageDeathsOptions,
): Promise<Staged<DeathField>> {
  const header = watchHeaderRows(DEATH_HEADER);
  try {
    return await stageUpload(client, Readable.from(uploadBytes(body, options), { objectMode: false }), {
      format: options.format,
      matcher: header.matcher,
      required: REQUIRED_DEATH_COLUMNS,
      derive: ({ match }) => deathFacts(match.columns, options.today),
      xlsx: options.xlsx,
      table: DEATH_ROWS,
    });
  } catch (err) {
    if (err instanceof FileProblem && err.errors.some((e) => e.path !== undefined)) {
      const cells = header.read();
      const missing = REQUIRED_DEATH_COLUMNS.filter((f) => DEATH_HEADER.match(cells).columns[f] === undefined);
      const errors = err.errors.map((e) => ({
        path: e.path ?? 'file',
        message: e.message,
        ...(e.line ? { line: e.line } : {}),
      }));
      if (missing.length === 0) {
        throw new UnprocessableError(
          'DUPLICATE_COLUMNS',
          'The header names a column more than once; nothing was recorded.',
          {
            header: cells,
            errors,
          },
        );
      }
      throw new UnprocessableError(
        'MISSING_COLUMNS',
        `The header has no ${missing.join(', ')} column (身份证号码, 死亡时间); nothing was recorded.`,
        { missing, header: cells, errors },
      );
    }
    throw batchProblem(err);
  }
}
