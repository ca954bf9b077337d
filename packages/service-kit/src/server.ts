import { createDb } from '@rmi/db';
import closeWithGrace from 'close-with-grace';
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { type BaseConfig, ConfigError, databaseOptions, loadConfig } from './config.js';
import { createServer } from './kit.js';
import type { AppOptions } from './testing.js';

export interface RunServiceOptions<C extends BaseConfig> {
  service: string;
  configSchema: z.ZodObject;
  portKey: keyof BaseConfig;
  app: FastifyPluginAsync<AppOptions<C>>;
}

/**
 * The body of every `server.ts`: parse config, connect, listen, and on SIGTERM/SIGINT stop taking
 * requests, let the ones in flight finish, close the pool and exit 0.
 */
export async function runService<C extends BaseConfig>(options: RunServiceOptions<C>): Promise<void> {
  let config: C;
  try {
    config = loadConfig(options.configSchema) as C;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${options.service}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  if (!config.DATABASE_URL) {
    console.error(`${options.service}: invalid configuration:\n  DATABASE_URL: required (postgres://…)`);
    process.exit(1);
  }
  const db = createDb(config.DATABASE_URL, databaseOptions(config, options.service));
  const app = createServer(options.service, config);
  await app.register(options.app, { db, config });

  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
    await db.destroy();
  });

  await app.listen({ host: config.HOST, port: Number(config[options.portKey]) });
}
