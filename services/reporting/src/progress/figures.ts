import type { RegionRow } from '../regions/regions.repository.js';

/** A region's enrolment figures for a year, as every report reads them. */
export interface Figures {
  /** Sum of the village targets; 0 when none is set. */
  target: number;
  /** Registered and not cancelled: unpaid + paid (transferred included in paid). */
  registered: number;
  /** Registered, not yet paid. */
  unpaid: number;
  /** Paid, or moved to employee insurance after paying. */
  paid: number;
  cancelled: number;
  transferred: number;
  /** paid / target; 0 without a target. */
  rate: number;
  /** Paid still missing to reach the target; 0 once reached. */
  gap: number;
}

/** Counts as stored per village (counters or a snapshot's rows). */
export interface StoredCounts {
  target: number | null;
  registered: number;
  paid: number;
  cancelled: number;
  transferred: number;
}

/**
 * The figures of stored counts. The stored `registered` and `paid` are enrollment's stored
 * statuses (unpaid, paid); a transferred enrolment was paid before it moved.
 */
export function figuresOf(c: StoredCounts): Figures {
  const target = c.target ?? 0;
  const paid = c.paid + c.transferred;
  return {
    target,
    registered: c.registered + paid,
    unpaid: c.registered,
    paid,
    cancelled: c.cancelled,
    transferred: c.transferred,
    rate: target > 0 ? paid / target : 0,
    gap: Math.max(0, target - paid),
  };
}

export interface ProgressNode extends Figures {
  region: RegionRow;
  year: number;
  /** null: the live counters; otherwise the day asked for, read from its week's snapshot. */
  asOf: string | null;
  /** One level down; the GraphQL loader fills deeper levels. */
  children: ProgressNode[];
}
