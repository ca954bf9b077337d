import { createDb } from '@rmi/db';
import { type AppOptions, type BaseConfig, createServer, databaseOptions, loadConfig } from '@rmi/service-kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { listen } from './http-load.js';

export interface BenchService {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * A service as runService builds it, listening on loopback, except that logs are off unless asked
 * for and the rate limit is out of reach, since one client sends every request. `env` adds to or
 * overrides that configuration.
 */
export async function startBenchService<S extends z.ZodObject>(
  service: string,
  plugin: FastifyPluginAsync<AppOptions<z.infer<S> & BaseConfig>>,
  schema: S,
  url: string,
  env: Record<string, string> = {},
): Promise<BenchService> {
  const config = loadConfig(schema, {
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...env,
  }) as z.infer<S> & BaseConfig;
  const db = createDb(url, databaseOptions(config, service));
  const app = createServer(service, config);
  await app.register(plugin, { db, config });
  const base = await listen(app);
  return {
    app,
    url: base,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
