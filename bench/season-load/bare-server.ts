// The baseline of season-load, run as its own process as the service is: bare fastify, no auth,
// pg straight from a pool of the service's size. DATABASE_URL, PORT and DB_POOL_SIZE come from the
// environment; it prints `listening` when ready.
//
// - POST /v1/payments, the baseline: the body checked against the contract's schema, one INSERT.
// - POST /v1/payments-in-transaction, for BENCH_DIAGNOSE: the statements the service sends to
//   record a payment, as plain SQL: the channel looked up on the pool, then BEGIN, the payment,
//   an audit row, an event, COMMIT on one connection, so the cost of those round trips shows apart
//   from the framework around them.
import { type RecordPaymentBody, RecordPaymentBodySchema } from '@rmi/contracts';
import { createPool } from '@rmi/db';
import Fastify from 'fastify';
import { BARE_AUDIT_TABLE, BARE_OUTBOX_TABLE, BARE_TABLE } from './bare-table.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const pool = createPool(url, {
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  applicationName: 'season-load-bare',
});
const app = Fastify({ logger: false });

const INSERT = `insert into ${BARE_TABLE} (channel, voucher_number, id_number, year, amount_fen, paid_at, idempotency_key)
  values ($1, $2, $3, $4, $5, $6, $7) returning id`;

/** INSERT's parameters, in its column order. */
const insertParams = (b: RecordPaymentBody, key: string | string[] | undefined) => [
  b.channel,
  b.voucherNumber,
  b.idNumber,
  b.year,
  b.amountFen,
  b.paidAt,
  typeof key === 'string' ? key : null,
];

app.post('/v1/payments', async (request, reply) => {
  const parsed = RecordPaymentBodySchema.safeParse(request.body);
  if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
  const b = parsed.data;
  const key = request.headers['idempotency-key'];
  const { rows } = await pool.query<{ id: string }>(INSERT, insertParams(b, key));
  return reply.code(201).send({ paymentId: String(rows[0]?.id), status: 'recorded' });
});

app.post('/v1/payments-in-transaction', async (request, reply) => {
  const parsed = RecordPaymentBodySchema.safeParse(request.body);
  if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
  const b = parsed.data;
  const key = request.headers['idempotency-key'];
  const channel = await pool.query('select 1 from payment.channels where code = $1', [b.channel]);
  if (channel.rowCount === 0) return reply.code(422).send({ error: 'unknown channel' });
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ id: string }>(INSERT, insertParams(b, key));
    const id = String(rows[0]?.id);
    await client.query(`insert into ${BARE_AUDIT_TABLE} (action, entity_id, details) values ($1, $2, $3)`, [
      'payment.record',
      id,
      JSON.stringify({ channel: b.channel, voucherNumber: b.voucherNumber, amountFen: b.amountFen }),
    ]);
    await client.query(`insert into ${BARE_OUTBOX_TABLE} (topic, payload) values ($1, $2)`, [
      'payment.recorded',
      JSON.stringify({ paymentId: id, channel: b.channel, idNumber: b.idNumber, year: b.year, amountFen: b.amountFen }),
    ]);
    await client.query('commit');
    return reply.code(201).send({ paymentId: id, status: 'recorded' });
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
});

const close = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', close);
process.on('SIGINT', close);

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log('listening');
