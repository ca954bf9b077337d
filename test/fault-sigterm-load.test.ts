// SIGTERM with 50 requests in flight (README "Configuration": SHUTDOWN_GRACE_MS): enrollment stops
// taking connections at once, lets every request it had accepted finish, 2xx and committed,
// including registration imports still uploading, then exits 0.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { launch, registered, registrants, registrationCsv, since, villagesOf } from './helpers/faults.js';

const TOWNSHIP = '500230209'; // 栗子乡
const YEAR = 2025;
const PERSONS = 47; // POST /v1/persons, each cut in half by the signal
// Registration files, each half uploaded when the signal comes: as many as IMPORT_SESSIONS (3) runs at once.
const IMPORTS = 3;
const IMPORT_ROWS = 500;

const started = performance.now();
const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());
const office = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const villages = await villagesOf(tdb.db, TOWNSHIP);

interface Slow {
  /** Sends the rest of the body. */
  finish(): void;
  answer: Promise<{ status: number; body: string }>;
}

/** A request on a connection of its own whose headers and first half of the body are sent now. */
function slowRequest(url: string, headers: Record<string, string>, body: string): Promise<Slow> {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  return new Promise((accepted, reject) => {
    let resolveAnswer!: (a: { status: number; body: string }) => void;
    let rejectAnswer!: (err: Error) => void;
    const answer = new Promise<{ status: number; body: string }>((res, rej) => {
      resolveAnswer = res;
      rejectAnswer = rej;
    });
    answer.catch(() => {}); // read by the test later; a reset is reported there
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': bytes.length } },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (err) => {
      rejectAnswer(err);
      reject(err);
    });
    req.flushHeaders();
    req.write(bytes.subarray(0, half), () => accepted({ finish: () => req.end(bytes.subarray(half)), answer }));
  });
}

/** Whether a new connection is taken: a GET /health on a socket of its own. */
function connects(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      resolve(`answered ${res.statusCode}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

t.test(
  'SIGTERM with 50 requests in flight: all complete 2xx and commit, new connections refused, exit 0',
  async (t) => {
    const service = await launch('enrollment', tdb.url);
    const auth = { authorization: `Bearer ${office.key}` };
    const persons = registrants(PERSONS, villages, 700_000);
    const files = Array.from({ length: IMPORTS }, (_, i) => registrants(IMPORT_ROWS, villages, 710_000 + i * 1_000));

    const inFlight = await Promise.all([
      ...persons.map((p, i) =>
        slowRequest(
          `${service.url}/v1/persons`,
          { ...auth, 'content-type': 'application/json' },
          JSON.stringify({ idNumber: p.idNumber, name: `居民${i}`, hukouRegionCode: p.village }),
        ),
      ),
      ...files.map((rows, i) =>
        slowRequest(
          `${service.url}/v1/registration-imports?year=${YEAR}&wait=true&fileName=sigterm-${i}.csv`,
          { ...auth, 'content-type': 'text/csv' },
          registrationCsv(rows),
        ),
      ),
    ]);
    // Every connection accepted and its request under way before the signal.
    await sleep(300);
    const signalled = performance.now();
    service.child.kill('SIGTERM');
    await sleep(300);
    const refused = await connects(service.url);
    for (const r of inFlight) r.finish();
    const answers = await Promise.all(
      inFlight.map((r) => r.answer.catch((err: Error) => ({ status: 0, body: String(err) }))),
    );
    const drainedMs = since(signalled);
    const code = await service.exited;
    const exitedMs = since(signalled);

    t.equal(refused, 'ECONNREFUSED', 'a new connection after the signal is refused');
    const personAnswers = answers.slice(0, PERSONS);
    const importAnswers = answers.slice(PERSONS);
    t.same(
      personAnswers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body.slice(0, 200)}`),
      [],
      `all ${PERSONS} persons answered 201`,
    );
    t.same(
      importAnswers
        .filter((a) => a.status !== 200 || JSON.parse(a.body).status !== 'applied')
        .map((a) => a.body.slice(0, 200)),
      [],
      `all ${IMPORTS} imports answered 200 applied`,
    );
    t.equal(code, 0, 'exit code 0');
    const all = [...persons, ...files.flat()].map((p) => p.idNumber);
    const stored = await registered(tdb.db, all, YEAR);
    t.same(
      stored,
      { persons: PERSONS + IMPORTS * IMPORT_ROWS, enrolments: IMPORTS * IMPORT_ROWS },
      'every write committed',
    );
    t.notMatch(service.output(), /closing after an error|second error/, 'a clean shutdown in the log');
    t.comment(
      `SIGTERM with ${inFlight.length} requests in flight (${PERSONS} person registrations, ${IMPORTS} imports of ${IMPORT_ROWS} rows): ${answers.filter((a) => a.status >= 200 && a.status < 300).length} answered 2xx, new connection ${refused}, all answered ${drainedMs} ms after the signal, exit ${code} after ${exitedMs} ms; ${stored.persons} persons and ${stored.enrolments} enrolments stored; file took ${since(started)} ms`,
    );
  },
);
