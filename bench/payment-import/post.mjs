// Sends a file as the body of one POST and prints the answer (status and JSON body) as JSON. The
// benchmark runs it as a child process, so sending is not counted as the service's work: a tax
// export comes from another machine. No timeouts: a million rows are answered when applied.
import { createReadStream } from 'node:fs';
import { request } from 'undici';

const [url, file, contentType] = process.argv.slice(2);
const res = await request(url, {
  method: 'POST',
  headers: { authorization: process.env.BENCH_AUTHORIZATION ?? '', 'content-type': contentType ?? 'text/csv' },
  body: createReadStream(file),
  headersTimeout: 0,
  bodyTimeout: 0,
});
const text = await res.body.text();
let body;
try {
  body = JSON.parse(text);
} catch {
  body = text.slice(0, 2000);
}
process.stdout.write(JSON.stringify({ status: res.statusCode, body }));
