import type { FastifyInstance } from 'fastify';

/**
 * CSV bodies arrive in UTF-8 or GB18030 (Excel on a Chinese Windows): the route gets the raw
 * bytes and decodes them itself, so the encoding is detected rather than assumed. Reference files
 * (regions, targets) are small, so holding one whole is fine.
 */
export function acceptCsvBytes(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(
    ['text/csv', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit },
    (_req, body, done) => done(null, body),
  );
}
