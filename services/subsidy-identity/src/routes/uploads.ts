import type { Readable } from 'node:stream';
import type { UploadFormat } from '@rmi/ingest';
import { AppError } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type SubsidyIdentityConfig, xlsxLimits } from '../config.js';

// What the routes taking a department's file (feeds, deaths) share: the media types they accept,
// the limits of the session the file streams through, and handing the body over as a stream.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const NDJSON = 'application/x-ndjson';
export const UPLOAD_MEDIA_TYPES: Readonly<Record<string, UploadFormat>> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  [XLSX]: 'xlsx',
  [NDJSON]: 'ndjson',
  'application/ndjson': 'ndjson',
};

/** The list is handed over as a stream: it goes to COPY as it arrives, never held whole. */
export function acceptUploads(app: FastifyInstance): void {
  app.addContentTypeParser(Object.keys(UPLOAD_MEDIA_TYPES), (_request, payload, done) => done(null, payload));
}

/** The format the request's media type names; 415 UNSUPPORTED_MEDIA_TYPE for any other. */
export function uploadFormatOf(request: FastifyRequest): UploadFormat {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = UPLOAD_MEDIA_TYPES[type];
  const body = request.body as Readable | undefined;
  if (!format || !body || typeof body.pipe !== 'function') {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the list as text/csv, ${XLSX} or ${NDJSON}.`);
  }
  return format;
}

/** Sessions, timeouts and size bounds of a file's staging, from the configuration. */
export function uploadLimits(config: SubsidyIdentityConfig) {
  return {
    sessions: config.FEED_SESSIONS,
    statementTimeoutMs: config.FEED_STATEMENT_TIMEOUT_MS,
    maxBytes: config.FEED_MAX_BYTES,
    xlsx: xlsxLimits(config),
  };
}
