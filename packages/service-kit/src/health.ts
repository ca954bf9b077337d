import { HealthSchema, ReadinessSchema } from '@rmi/contracts';
import { type Db, pendingMigrations } from '@rmi/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';

async function health(app: FastifyInstance, opts: { db: Db; service: string; version: string }): Promise<void> {
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
      let database: 'ok' | 'unreachable' = 'ok';
      let migrations: 'current' | 'pending' | 'unknown' = 'unknown';
      let pending: string[] = [];
      try {
        await sql`select 1`.execute(opts.db);
        pending = await pendingMigrations(opts.db);
        migrations = pending.length === 0 ? 'current' : 'pending';
      } catch (err) {
        app.log.warn({ err }, 'readiness check failed');
        database = 'unreachable';
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
