import { z } from 'zod';

/** One bad field of a request or one bad row of an import. */
export const FieldErrorSchema = z.object({
  path: z.string().describe('JSON path of the field (`body.idNumber`) or `line:N/column`'),
  message: z.string(),
  code: z.string().optional(),
  line: z.number().int().optional().describe('line in an uploaded file, header = 1'),
});

/** RFC 9457 problem details with this system's stable `code`. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable machine-readable code, e.g. VALIDATION_FAILED, OUT_OF_SCOPE'),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .loose();

export type Problem = z.infer<typeof ProblemSchema>;
export type FieldError = z.infer<typeof FieldErrorSchema>;
