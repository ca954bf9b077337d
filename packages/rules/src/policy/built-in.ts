import cq2023 from '../../policies/cq-2023.json' with { type: 'json' };
import cq2024 from '../../policies/cq-2024.json' with { type: 'json' };
import cq2025 from '../../policies/cq-2025.json' with { type: 'json' };
import xiaoyi2024 from '../../policies/xiaoyi-2024.json' with { type: 'json' };
import { type PolicyDocument, PolicyDocumentSchema } from './schema.js';

// Parsed once at load so a broken document fails on import with every problem listed, and so
// callers get the schema's types rather than the JSON's widened literal types. Callers that add
// documents of their own build a new array rather than pushing onto this one.
export const BUILT_IN_POLICIES: PolicyDocument[] = [cq2023, cq2024, cq2025, xiaoyi2024].map((doc) =>
  PolicyDocumentSchema.parse(doc),
);
