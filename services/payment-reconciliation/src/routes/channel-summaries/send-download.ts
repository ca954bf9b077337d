import type { FastifyReply } from 'fastify';
import type { Download } from '../../channel-summaries/table-download.js';

/** Answers with a file as it streams, named in Content-Disposition (ASCII, and RFC 5987 for the rest). */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  reply.type(download.contentType);
  const ascii = download.fileName.replace(/[^\w.-]/g, '_');
  reply.header(
    'content-disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
  );
  return reply.send(download.body);
}
