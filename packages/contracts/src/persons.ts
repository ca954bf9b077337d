import { parseIdNumber } from '@rmi/rules';
import { z } from 'zod';

export const PERSON_CATEGORIES = [
  'resident',
  'student',
  'college-student',
  'newborn',
  'residence-permit',
  'foreign-permanent-resident',
  'hk-macau-taiwan',
] as const;

export const PersonCategorySchema = z.enum(PERSON_CATEGORIES);
export const CivilDateSchema = z.iso.date().describe('YYYY-MM-DD, Asia/Shanghai civil date');

/** A GB 11643 ID number, normalised: 15 digits upgraded to 18, a final x upper-cased. */
export const IdNumberSchema = z
  .string()
  .describe('18-digit resident ID number (GB 11643); a 15-digit number is upgraded')
  .transform((value, ctx) => {
    const parsed = parseIdNumber(value);
    if (parsed.ok) return parsed.idNumber;
    ctx.addIssue({
      code: 'custom',
      message: `invalid ID number: ${parsed.message}`,
      params: { problem: parsed.problem },
    });
    return z.NEVER;
  });

export const CreatePersonBodySchema = z
  .object({
    idNumber: IdNumberSchema,
    name: z.string().trim().min(1).max(100),
    hukouRegionCode: z.string().regex(/^\d{12}$/, 'a 12-digit village code'),
    category: PersonCategorySchema.default('resident'),
    sex: z.enum(['male', 'female']).optional().describe('checked against the ID number when given'),
    birthDate: CivilDateSchema.optional().describe('checked against the ID number when given'),
    phone: z
      .string()
      .regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, 'a mobile or landline number')
      .optional(),
  })
  .superRefine((body, ctx) => {
    const parsed = parseIdNumber(body.idNumber);
    if (!parsed.ok) return;
    if (body.sex && body.sex !== parsed.sex) {
      ctx.addIssue({ code: 'custom', path: ['sex'], message: `does not match the ID number (${parsed.sex})` });
    }
    if (body.birthDate && body.birthDate !== parsed.birthDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['birthDate'],
        message: `does not match the ID number (${parsed.birthDate})`,
      });
    }
  });

export const PersonSchema = z.object({
  idNumber: z.string(),
  name: z.string(),
  sex: z.enum(['male', 'female']),
  birthDate: z.string(),
  hukouRegionCode: z.string(),
  category: PersonCategorySchema,
  phone: z.string().nullable(),
  createdAt: z.string(),
});

export type CreatePersonBody = z.infer<typeof CreatePersonBodySchema>;
export type Person = z.infer<typeof PersonSchema>;
