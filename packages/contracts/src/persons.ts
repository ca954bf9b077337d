import { PERSON_CATEGORIES, parseIdNumber, shanghaiDateOf } from '@rmi/rules';
import { z } from 'zod';

export { PERSON_CATEGORIES } from '@rmi/rules';

export const PersonCategorySchema = z.enum(PERSON_CATEGORIES);
export const CivilDateSchema = z.iso.date().describe('YYYY-MM-DD, Asia/Shanghai civil date');

/** A GB 11643 ID number, normalised: 15 digits upgraded to 18, a final x upper-cased. */
export const IdNumberSchema = z
  .string()
  .describe('18-digit resident ID number (GB 11643); a 15-digit number is upgraded')
  .transform((value, ctx) => {
    const parsed = parseIdNumber(value, shanghaiDateOf(new Date()));
    if (parsed.ok) return parsed.idNumber;
    ctx.addIssue({
      code: 'custom',
      message: `invalid ID number: ${parsed.message}`,
      params: { problem: parsed.problem },
    });
    return z.NEVER;
  });

export const HOUSEHOLD_RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other'] as const;
export const HouseholdRelationSchema = z.enum(HOUSEHOLD_RELATIONS).describe('relation to the head of the household');

export const VillageCodeSchema = z.string().regex(/^\d{12}$/, 'a 12-digit village code');
const NameSchema = z.string().trim().min(1).max(100);
const SchoolSchema = z.string().trim().min(1).max(200).describe('school attended; required for category student');
const PhoneSchema = z.string().regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, 'a mobile or landline number');

export const CreatePersonBodySchema = z
  .object({
    idNumber: IdNumberSchema,
    name: NameSchema,
    hukouRegionCode: VillageCodeSchema,
    category: PersonCategorySchema.default('resident'),
    sex: z.enum(['male', 'female']).optional().describe('checked against the ID number when given'),
    birthDate: CivilDateSchema.optional().describe('checked against the ID number when given'),
    phone: PhoneSchema.optional(),
    school: SchoolSchema.optional(),
    guardianIdNumber: IdNumberSchema.optional().describe('a registered person; required for category newborn'),
    householdId: z.uuid().optional().describe('a household of the same village; needs `relation`'),
    relation: HouseholdRelationSchema.exclude(['head'], {
      error: 'a new person joins as a member; the head changes through PUT /v1/households/{id}/members',
    })
      .optional()
      .describe('relation to the head, with `householdId`'),
  })
  .superRefine((body, ctx) => {
    const parsed = parseIdNumber(body.idNumber, shanghaiDateOf(new Date()));
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
    if (body.category === 'student' && !body.school) {
      ctx.addIssue({ code: 'custom', path: ['school'], message: 'required for category student' });
    }
    if (body.category === 'newborn' && !body.guardianIdNumber) {
      ctx.addIssue({ code: 'custom', path: ['guardianIdNumber'], message: 'required for category newborn' });
    }
    if (body.guardianIdNumber && body.guardianIdNumber === body.idNumber) {
      ctx.addIssue({ code: 'custom', path: ['guardianIdNumber'], message: 'a person cannot be their own guardian' });
    }
    if (body.householdId && !body.relation) {
      ctx.addIssue({ code: 'custom', path: ['relation'], message: 'required with householdId' });
    }
    if (body.relation && !body.householdId) {
      ctx.addIssue({ code: 'custom', path: ['householdId'], message: 'required with relation' });
    }
  });

/** Fields left out stay as they are; `null` clears phone, school, guardian or date of death. */
export const UpdatePersonBodySchema = z
  .strictObject({
    name: NameSchema.optional(),
    phone: PhoneSchema.nullable().optional(),
    category: PersonCategorySchema.optional(),
    school: SchoolSchema.nullable().optional(),
    guardianIdNumber: IdNumberSchema.nullable().optional(),
    hukouRegionCode: VillageCodeSchema.optional().describe(
      'moving villages needs both villages in the key’s region and leaves the old village’s household',
    ),
    diedOn: CivilDateSchema.nullable().optional().describe('not before birth, not after today'),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: 'name at least one field to change',
  });

export const PersonSchema = z.object({
  idNumber: z.string(),
  name: z.string(),
  sex: z.enum(['male', 'female']),
  birthDate: z.string(),
  hukouRegionCode: z.string(),
  category: PersonCategorySchema,
  phone: z.string().nullable(),
  school: z.string().nullable(),
  guardianIdNumber: z.string().nullable(),
  householdId: z.string().nullable(),
  relation: HouseholdRelationSchema.nullable(),
  diedOn: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const PERSON_PAGE_LIMIT = 200;

/**
 * Exactly one of `idNumber`, `villageCode` (optionally with a `name` prefix) or `householdId`.
 * Paged by offset: ask again with `offset=nextOffset` until it is null.
 */
export const PersonSearchQuerySchema = z
  .object({
    idNumber: IdNumberSchema.optional(),
    villageCode: VillageCodeSchema.optional(),
    name: NameSchema.optional().describe('prefix of the name, with villageCode'),
    householdId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(PERSON_PAGE_LIMIT).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .superRefine((query, ctx) => {
    const modes = [query.idNumber, query.villageCode, query.householdId].filter((v) => v !== undefined);
    if (modes.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of idNumber, villageCode, householdId' });
    }
    if (query.name !== undefined && query.villageCode === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a name is searched within a village: add villageCode' });
    }
  });

export const PersonPageSchema = z.object({
  items: z.array(PersonSchema),
  limit: z.number().int(),
  offset: z.number().int(),
  nextOffset: z.number().int().nullable().describe('offset of the next page; null on the last'),
});

export type CreatePersonBody = z.infer<typeof CreatePersonBodySchema>;
export type UpdatePersonBody = z.infer<typeof UpdatePersonBodySchema>;
export type Person = z.infer<typeof PersonSchema>;
export type PersonSearchQuery = z.infer<typeof PersonSearchQuerySchema>;
export type PersonPage = z.infer<typeof PersonPageSchema>;
export type HouseholdRelation = z.infer<typeof HouseholdRelationSchema>;
