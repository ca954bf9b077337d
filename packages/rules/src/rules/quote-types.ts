import type { StudentStatus } from '../person-categories.js';
import type { Category } from '../policy/schema.js';
import type { Reason } from './reason.js';

/** contracts/quote.md, request. Optional fields take the contract's defaults. */
export interface QuoteRequest {
  regionCode: string;
  year: number;
  tier?: 1 | 2;
  category?: Category;
  paidOn: string;
  birthDate?: string;
  identities?: readonly string[];
  studentStatus?: StudentStatus;
  lastEnrolledYear?: number;
  /**
   * Added field: the day employee insurance stopped, for people joining soon after
   * (002#四(三): within 3 months; 004#4: within 90 days, at any time of the year).
   */
  employeeInsuranceEndedOn?: string;
}

/** contracts/quote.md, response 200. */
export interface Quote {
  policyId: string;
  standardFen: number;
  fiscalSubsidyFen: number;
  assistanceFen: number;
  assistanceIdentity: string | null;
  waiverFen: number;
  personalFen: number;
  benefitStart: string;
  benefitEnd: string;
  waitingDays: number;
  reasons: Reason[];
}

export type QuoteErrorCode =
  | 'VALIDATION_FAILED'
  | 'POLICY_NOT_FOUND'
  | 'UNKNOWN_IDENTITY'
  | 'TIER_NOT_OFFERED'
  | 'ENROLLMENT_CLOSED'
  | 'OUTSIDE_PAYMENT_DAYS'
  | 'NEWBORN_WINDOW_PASSED'
  | 'POLICY_INCOMPLETE';

export interface QuoteError {
  status: 400 | 404 | 422;
  code: QuoteErrorCode;
  message: string;
  /** POLICY_INCOMPLETE: the policy fields an operator must load. */
  missing?: string[];
  /** UNKNOWN_IDENTITY: the strings that are no known code or label. */
  identities?: string[];
  /** VALIDATION_FAILED: every bad field. */
  errors?: Array<{ field: string; message: string }>;
}

export type QuoteOutcome = { ok: true; quote: Quote } | { ok: false; error: QuoteError };
