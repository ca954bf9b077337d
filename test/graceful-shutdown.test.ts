import http from 'node:http';
import { createTestDatabase } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { startService } from './helpers/services.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());

t.test('SIGTERM mid-request lets the request finish, then the service exits 0', async (t) => {
  const service = await startService('enrollment', tdb.url);
  const key = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230209' });
  const body = JSON.stringify({ idNumber: '11010519491231002X', name: '王秀英', hukouRegionCode: '500230209200' });
  const half = Math.floor(body.length / 2);
  // An ID number in a URL is logged (request log) only masked.
  const lookup = await fetch(`${service.url}/v1/persons/44011320141005001X`, {
    headers: { authorization: `Bearer ${key.key}` },
  });
  t.equal(lookup.status, 404);

  // A slow upload: headers and half the body arrive, then the signal, then the rest.
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      `${service.url}/v1/persons`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key.key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, half));
    setTimeout(() => {
      service.child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(half)), 300);
    }, 300);
  });

  const res = await response.catch((err) => {
    console.log(service.output());
    throw err;
  });
  t.equal(res.status, 201, 'the request in flight completed');
  t.equal(JSON.parse(res.body).name, '王秀英');
  t.equal(await service.exited, 0, 'exit code 0');
  const stored = await tdb.db.selectFrom('enrollment.persons').select('name').executeTakeFirst();
  t.equal(stored?.name, '王秀英', 'its write committed');
  t.match(service.output(), '440113********001X', 'the request log shows the masked ID number');
  t.notMatch(service.output(), /11010519491231002X|44011320141005001X/, 'no raw ID number reached the logs');
});
