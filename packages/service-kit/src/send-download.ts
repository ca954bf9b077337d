import type { FastifyReply } from 'fastify';

/**
 * Answers with a download as it streams. A file gets Content-Disposition with its name (ASCII, and
 * RFC 5987 for the rest); JSON (no file name) is answered inline. The route's response schema
 * documents the JSON; fastify does not serialise a stream.
 */
export function sendDownload(
  reply: FastifyReply,
  download: { contentType: string; fileName: string | null; body: NodeJS.ReadableStream },
): FastifyReply {
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
