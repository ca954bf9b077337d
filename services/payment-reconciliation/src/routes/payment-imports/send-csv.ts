import type { FastifyReply } from 'fastify';
import type { CsvDownload } from '../../files/csv-download.js';

/**
 * Answers with a CSV download as it streams, named by Content-Disposition (ASCII, and RFC 5987 for
 * the rest). The route's response schema documents the problems only; fastify does not serialise a stream.
 */
export function sendCsv(reply: FastifyReply, download: CsvDownload): FastifyReply {
  const ascii = download.fileName.replace(/[^\w.-]/g, '_');
  reply.type(download.contentType);
  reply.header(
    'content-disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
  );
  return reply.send(download.body);
}
