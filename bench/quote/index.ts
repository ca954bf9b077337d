// The public quote endpoint under load against a bare fastify route that takes the same JSON body
// and returns a fixed JSON answer; and the rules function alone, in quotes per second. The ratio
// is ours / bare in requests per second.
import { BUILT_IN_POLICIES, type QuoteRequest, quoteFrom } from '@rmi/rules';
import Fastify from 'fastify';
import { startEnrollment } from '../enrollment-server.js';
import { type BenchContext, resultLine, seconds, table } from '../harness.js';
import { describeLoad, LOAD_HEADER, listen, load, loadOptions, loadRow } from '../http-load.js';

const NAME = 'quote';
const GOAL = 0.5;

// A 低保 resident of Lizi paying in the 2025 concentrated period: assistance, reasons and dates
// all take part.
const REQUEST: QuoteRequest = {
  regionCode: '500230209',
  year: 2025,
  tier: 1,
  paidOn: '2024-10-15',
  identities: ['城乡低保对象', '稳定脱贫人口'],
  lastEnrolledYear: 2024,
};

// The rules alone see a spread of cases, so no single branch flatters the figure.
const MIX: QuoteRequest[] = [
  REQUEST,
  { regionCode: '500230209', year: 2025, paidOn: '2025-03-10', tier: 2 },
  { regionCode: '500230209', year: 2025, category: 'newborn', birthDate: '2025-03-11', paidOn: '2025-06-09' },
  { regionCode: '500233003', year: 2024, paidOn: '2024-01-20', tier: 2 },
  { regionCode: '141181', year: 2024, paidOn: '2023-10-20', identities: ['监测对象'] },
  { regionCode: '500230102', year: 2023, paidOn: '2023-04-02', lastEnrolledYear: 2020 },
];

function rulesOpsPerSecond(durationS: number): number {
  for (const r of MIX) {
    const outcome = quoteFrom(BUILT_IN_POLICIES, r);
    if (!outcome.ok) throw new Error(`${JSON.stringify(r)}: ${outcome.error.code} ${outcome.error.message}`);
  }
  const until = performance.now() + durationS * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) quoteFrom(BUILT_IN_POLICIES, MIX[n++ % MIX.length] as QuoteRequest);
  }
  return n / ((performance.now() - start) / 1000);
}

export default async function quoteBench({ url }: BenchContext): Promise<void> {
  const opts = loadOptions();

  const fixed = quoteFrom(BUILT_IN_POLICIES, REQUEST);
  if (!fixed.ok) throw new Error(`the benchmark request does not quote: ${fixed.error.code}`);
  const bare = Fastify();
  bare.post('/quote', async () => fixed.quote);

  const ours = await startEnrollment(url);

  try {
    const bareUrl = await listen(bare);
    const oursUrl = ours.url;
    const probe = await fetch(`${oursUrl}/v1/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(REQUEST),
    });
    const answer = (await probe.json()) as { personalFen?: number };
    if (probe.status !== 200 || answer.personalFen !== fixed.quote.personalFen) {
      throw new Error(`POST /v1/quotes answered ${probe.status}: ${JSON.stringify(answer)}`);
    }

    const bareResult = await load({ label: 'bare fastify', url: `${bareUrl}/quote`, body: REQUEST }, opts);
    const oursResult = await load({ label: 'enrollment', url: `${oursUrl}/v1/quotes`, body: REQUEST }, opts);
    const rules = rulesOpsPerSecond(seconds('BENCH_DURATION', 5));

    console.log(describeLoad(opts));
    console.log(
      table(LOAD_HEADER, [
        loadRow('bare fastify', 'POST /quote (fixed JSON)', bareResult),
        loadRow('enrollment', 'POST /v1/quotes', oursResult),
      ]),
    );
    console.log(`\nrules quoteFrom alone: ${Math.round(rules)} quotes/s (one core, ${MIX.length} cases in turn)\n`);
    console.log(resultLine(NAME, oursResult.requests.average / bareResult.requests.average, '>=', GOAL));
  } finally {
    await Promise.all([bare.close(), ours.close()]);
  }
}
