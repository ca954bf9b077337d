import t from 'tap';
import { z } from 'zod';
import { BaseConfigSchema, ConfigError, loadConfig } from '../src/config.js';

t.test('a valid environment parses into a frozen object with defaults', async (t) => {
  const config = loadConfig(BaseConfigSchema, { ENROLLMENT_PORT: '4001', DATABASE_URL: 'postgres://u@h:5432/db' });
  t.equal(config.ENROLLMENT_PORT, 4001);
  t.equal(config.REPORTING_PORT, 3004);
  t.equal(config.HOST, '127.0.0.1');
  t.ok(Object.isFrozen(config));
});

t.test('every bad key is listed in one error', async (t) => {
  const schema = BaseConfigSchema.extend({ FEED_TOKEN: z.string().min(8) });
  const err = t.throws(() =>
    loadConfig(schema, {
      ENROLLMENT_PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      LOG_LEVEL: 'loud',
      RATE_LIMIT_PER_MINUTE: '-5',
    }),
  ) as unknown as ConfigError;
  t.type(err, ConfigError);
  t.same(err.issues.map((i) => i.key).sort(), [
    'DATABASE_URL',
    'ENROLLMENT_PORT',
    'FEED_TOKEN',
    'LOG_LEVEL',
    'RATE_LIMIT_PER_MINUTE',
  ]);
  for (const key of ['DATABASE_URL', 'ENROLLMENT_PORT', 'FEED_TOKEN', 'LOG_LEVEL', 'RATE_LIMIT_PER_MINUTE']) {
    t.match(err.message, key, `message names ${key}`);
  }
});

t.test('empty strings count as unset', async (t) => {
  const config = loadConfig(BaseConfigSchema, { HOST: '', LOG_LEVEL: '' });
  t.equal(config.HOST, '127.0.0.1');
  t.equal(config.LOG_LEVEL, 'info');
});
