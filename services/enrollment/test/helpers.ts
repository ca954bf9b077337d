import { readFileSync } from 'node:fs';
import { createPolicyStore, createTestDatabase, type Db } from '@rmi/db';
import { checkCharacter, PolicyDocumentSchema } from '@rmi/rules';
import { buildApp, testConfig } from '@rmi/service-kit';
import type { Test } from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { EnrollmentConfigSchema } from '../src/config.js';

export const enrollmentConfig = (overrides: Record<string, string> = {}) =>
  testConfig(overrides, EnrollmentConfigSchema);

/** A fresh database clone and the enrollment app on it, both torn down with the test. */
export async function setup(t: Test) {
  const tdb = await createTestDatabase();
  const app = await buildApp(SERVICE, enrollmentApp, { db: tdb.db, config: enrollmentConfig() });
  t.teardown(async () => {
    await app.close();
    await tdb.destroy();
  });
  return { app, db: tdb.db, url: tdb.url };
}

/** The invented 2026 notice of test/fixtures, loaded as an operator would (before the app's first request). */
export async function loadCq2026(db: Db): Promise<void> {
  const doc = JSON.parse(readFileSync(new URL('../../../test/fixtures/cq-2026.json', import.meta.url), 'utf8'));
  await createPolicyStore(db).store(PolicyDocumentSchema.parse(doc), { origin: 'api' });
}

/** Fresh valid ID numbers with Fengdu's region prefix, unique within a test file. */
export function idNumbers(): (birth?: string) => string {
  let serial = 0;
  return (birth = '19800101') => {
    serial += 1;
    const first17 = `500230${birth}${String(serial).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  };
}

/**
 * A person written straight into the register (set-up for tests of enrolments and payments), with
 * sex and birth date as the ID number says.
 */
export async function insertPerson(
  db: Db,
  idNumber: string,
  values: { village: string; category?: 'resident' | 'student' | 'newborn'; diedOn?: string | null },
): Promise<string> {
  await db
    .insertInto('enrollment.persons')
    .values({
      id_number: idNumber,
      name: '测试',
      sex: Number(idNumber[16]) % 2 ? 'male' : 'female',
      birth_date: `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`,
      hukou_region_code: values.village,
      category: values.category ?? 'resident',
      died_on: values.diedOn ?? null,
    })
    .execute();
  return idNumber;
}
