import type { Readable } from 'node:stream';
import type { UploadFormat } from '@rmi/ingest';
import { AppError, importXlsxLimits } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PaymentConfig } from '../../config.js';

// What the route taking an export shares with the service: the media types it accepts, the
// limits of the session the file streams through, and handing the body over as a stream.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const UPLOAD_MEDIA_TYPES: Readonly<Record<string, UploadFormat>> = {
  'text/csv': 'csv',
  [XLSX]: 'xlsx',
};

/** The export is handed over as a stream: it goes to COPY as it arrives, never held whole. */
export function acceptUploads(app: FastifyInstance): void {
  app.addContentTypeParser(Object.keys(UPLOAD_MEDIA_TYPES), (_request, payload, done) => done(null, payload));
}

/** The format the request's media type names; 415 UNSUPPORTED_MEDIA_TYPE for any other. */
export function uploadFormatOf(request: FastifyRequest): UploadFormat {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = UPLOAD_MEDIA_TYPES[type];
  const body = request.body as Readable | undefined;
  if (!format || !body || typeof body.pipe !== 'function') {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the export as text/csv or ${XLSX}.`);
  }
  return format;
}

/** Sessions, timeouts and size bounds of an export's staging, from the configuration. */
export function uploadLimits(config: PaymentConfig) {
  return {
    sessions: config.IMPORT_SESSIONS,
    statementTimeoutMs: config.IMPORT_STATEMENT_TIMEOUT_MS,
    maxBytes: config.IMPORT_MAX_BYTES,
    xlsx: importXlsxLimits(config),
  };
}
