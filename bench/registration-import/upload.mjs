// Sends a CSV file as the body of one POST and prints the answer (status, Location, JSON body) as
// JSON. The benchmark runs it as a child process, so the uploader's work is not counted as the
// service's: in use, the file comes from a clerk's browser on another machine.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

const [url, file] = process.argv.slice(2);
const res = await fetch(url, {
  method: 'POST',
  headers: { authorization: process.env.BENCH_AUTHORIZATION ?? '', 'content-type': 'text/csv' },
  body: Readable.toWeb(createReadStream(file)),
  duplex: 'half',
});
const body = await res.json();
process.stdout.write(JSON.stringify({ status: res.status, location: res.headers.get('location'), body }));
