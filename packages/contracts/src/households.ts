import { z } from 'zod';
import { HouseholdRelationSchema, IdNumberSchema, PersonSchema, VillageCodeSchema } from './persons.js';

const MAX_MEMBERS = 100;

export const HouseholdMemberInputSchema = z.object({
  idNumber: IdNumberSchema,
  relation: HouseholdRelationSchema.exclude(['head'], { error: 'the head is given as `head`, not among members' }),
});

/** The whole membership: the head, and everyone else with their relation to the head. */
const MembershipShape = {
  head: IdNumberSchema.describe('ID number of the head (户主), a person registered in the village'),
  members: z
    .array(HouseholdMemberInputSchema)
    .max(MAX_MEMBERS)
    .default([])
    .describe('everyone but the head, each registered in the village'),
};

function checkMembership(body: { head: string; members: { idNumber: string }[] }, ctx: z.RefinementCtx) {
  const seen = new Set([body.head]);
  body.members.forEach((member, i) => {
    if (seen.has(member.idNumber)) {
      ctx.addIssue({ code: 'custom', path: ['members', i, 'idNumber'], message: 'listed twice (or as the head)' });
    }
    seen.add(member.idNumber);
  });
}

export const CreateHouseholdBodySchema = z
  .object({
    regionCode: VillageCodeSchema.describe('the village whose register the household belongs to'),
    number: z.string().trim().min(1).max(50).optional().describe('户号, unique in the village'),
    ...MembershipShape,
  })
  .superRefine(checkMembership);

/** Replaces the membership: people left out leave the household, new ones join, the head may change. */
export const HouseholdMembersBodySchema = z.object(MembershipShape).superRefine(checkMembership);

export const HouseholdSchema = z.object({
  id: z.string(),
  regionCode: z.string(),
  number: z.string().nullable(),
  headIdNumber: z.string().nullable().describe('null only once the head has moved away alone'),
  members: z.array(PersonSchema).describe('the head first, then by birth date'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type CreateHouseholdBody = z.infer<typeof CreateHouseholdBodySchema>;
export type HouseholdMembersBody = z.infer<typeof HouseholdMembersBodySchema>;
export type Household = z.infer<typeof HouseholdSchema>;
