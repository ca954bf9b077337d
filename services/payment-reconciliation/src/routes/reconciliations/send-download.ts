import type { FastifyReply } from 'fastify';
import type { Download } from '../../reconciliations/download-body.js';

/**
 * Answers with a download as it streams, with Content-Disposition naming the file (ASCII, and
 * RFC 5987 for the rest). The route's response schema documents the JSON; fastify does not
 * serialise a stream.
 */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  reply.type(download.contentType);
  const ascii = download.fileName.replace(/[^\w.-]/g, '_');
  reply.header(
    'content-disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
  );
  return reply.send(download.body);
}
