import { HealthSchema, ReadinessSchema } from '@rmi/contracts';
import { type Db, databaseTrouble, pendingMigrations } from '@rmi/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';

async function health(
  app: FastifyInstance,
  opts: { db: Db; service: string; version: string; timeoutMs: number },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/health',
    {
      config: { public: true },
      schema: { tags: ['operations'], summary: 'The process is up', response: { 200: HealthSchema } },
    },
    async () => ({ status: 'ok' as const, service: opts.service, version: opts.version }),
  );

  r.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'The database answers and every migration has run',
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      let database: 'ok' | 'unreachable' | 'busy' = 'ok';
      let migrations: 'current' | 'pending' | 'unknown' = 'unknown';
      let pending: string[] = [];
      // A load balancer asking must hear back in time even when the pool is exhausted or the
      // server hangs: the check races its own timeout and is abandoned, not awaited, after it.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
      });
      const check = (async () => {
        await sql`select 1`.execute(opts.db);
        return pendingMigrations(opts.db);
      })();
      check.catch(() => {}); // settled later, after a timeout: nobody is waiting then
      try {
        const outcome = await Promise.race([check, timeout]);
        if (outcome === 'timeout') {
          app.log.warn({ timeoutMs: opts.timeoutMs }, 'readiness check timed out: database busy or hanging');
          database = 'busy';
        } else {
          pending = outcome;
          migrations = pending.length === 0 ? 'current' : 'pending';
        }
      } catch (err) {
        app.log.warn({ err }, 'readiness check failed');
        database = databaseTrouble(err) === 'busy' ? 'busy' : 'unreachable';
      } finally {
        clearTimeout(timer);
      }
      const ready = database === 'ok' && migrations === 'current';
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not-ready',
        service: opts.service,
        checks: { database, migrations },
        ...(pending.length ? { pendingMigrations: pending } : {}),
      });
    },
  );
}

export default fp(health, { name: 'rmi-health', fastify: '5.x' });
