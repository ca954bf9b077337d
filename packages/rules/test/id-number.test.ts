import t from 'tap';
import { checkCharacter, maskIdNumber, maskIdNumbersIn, parseIdNumber } from '../src/id-number.js';

const TODAY = '2026-11-29';

t.test('accepts valid GB 11643 numbers and derives birth date and sex', async (t) => {
  const cases = [
    { input: '11010519491231002X', birthDate: '1949-12-31', sex: 'female' },
    { input: '44011320141005001X', birthDate: '2014-10-05', sex: 'male' },
    { input: '11010519491231002x', birthDate: '1949-12-31', sex: 'female' },
  ];
  for (const c of cases) {
    const r = parseIdNumber(c.input, TODAY);
    t.ok(r.ok, c.input);
    if (r.ok) {
      t.equal(r.idNumber, c.input.toUpperCase());
      t.equal(r.birthDate, c.birthDate);
      t.equal(r.sex, c.sex);
    }
  }
});

t.test('rejects with the problem named', async (t) => {
  const cases = [
    { input: '110105194912310021', problem: 'checksum' },
    { input: '1101051949123100', problem: 'format' },
    { input: '99010519491231002X', problem: 'region' },
    { input: '110105194902300028', problem: 'birth-date' },
  ];
  for (const c of cases) {
    const r = parseIdNumber(c.input, TODAY);
    t.equal(r.ok ? 'ok' : r.problem, c.problem, c.input);
  }
});

t.test('upgrades a 15-digit number to 18 digits', async (t) => {
  const r = parseIdNumber('110105491231002', TODAY);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.idNumber, '11010519491231002X');
    t.ok(r.upgradedFrom15);
  }
});

t.test('masks numbers for logs', async (t) => {
  t.equal(maskIdNumber('11010519491231002X'), '110105********002X');
  t.equal(maskIdNumbersIn('person 11010519491231002X paid'), 'person 110105********002X paid');
});

t.test('a birth date after today is refused, today itself is accepted', async (t) => {
  const born = (date: string) => {
    const first17 = `500230${date}001`;
    return first17 + checkCharacter(first17);
  };
  const future = parseIdNumber(born('30000101'), TODAY);
  t.equal(future.ok ? 'ok' : future.problem, 'birth-date');
  const tomorrow = parseIdNumber(born('20261130'), TODAY);
  t.equal(tomorrow.ok ? 'ok' : tomorrow.problem, 'birth-date');
  t.ok(parseIdNumber(born('20261129'), TODAY).ok, 'born today');
});
