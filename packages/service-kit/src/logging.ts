import { maskIdNumbersIn, maskIdNumbersInJson } from '@rmi/rules';
import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';

/**
 * Log options that keep personal data out of logs: names, phones and ID-number fields are
 * redacted by path, and anything shaped like an ID number in a message, URL or error text is
 * masked wherever it appears.
 */
export function loggerOptions(service: string, level: string): FastifyServerOptions['logger'] {
  return {
    level,
    base: { service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.idNumber',
        '*.id_number',
        '*.name',
        '*.phone',
        '*.key',
        'body',
        '*.body',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req) => ({
        method: req.method,
        url: maskIdNumbersIn(String(req.url)),
        remoteAddress: req.ip,
      }),
      // Database errors repeat offending values in message and detail ("Key (id_number)=(…)").
      err: (err: Error) => JSON.parse(maskIdNumbersInJson(JSON.stringify(pino.stdSerializers.err(err)))),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskIdNumbersIn(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
}
