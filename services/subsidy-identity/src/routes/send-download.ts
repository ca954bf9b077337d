import type { FastifyReply } from 'fastify';
import type { Download } from '../downloads/download-body.js';

/**
 * Answers with a download as it streams. A file gets Content-Disposition with its name (ASCII, and
 * RFC 5987 for the rest); JSON is answered inline. The response schema of the route documents the
 * JSON; fastify does not serialise a stream.
 */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  reply.type(download.contentType);
  if (download.fileName !== null) {
    const ascii = download.fileName.replace(/[^\w.-]/g, '_');
    reply.header(
      'content-disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
    );
  }
  return reply.send(download.body);
}
