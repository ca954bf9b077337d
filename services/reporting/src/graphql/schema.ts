/*
 * contracts/reporting.md, whole: progress down the region tree, special groups, funding, the weekly
 * report and its ranking, the assessment, cash alerts, the latest reconciliation and the unpaid
 * list. Counts come from reporting's counters (kept from events), weekly figures from snapshots.
 */
export const schema = /* GraphQL */ `
  "A civil date, YYYY-MM-DD, Asia/Shanghai."
  scalar Date
  "An amount in integer fen (1 yuan = 100 fen); Yuan fields are derived for display only."
  scalar Fen

  enum RegionLevel {
    province
    city
    county
    township
    village
  }

  "A division: province, city, county, township or village."
  type Region {
    code: String!
    name: String!
    level: RegionLevel!
    parentCode: String
    childCount: Int!
    children: [Region!]!
  }

  "A region's enrolment for a year against its target (任务数), and each region one level down."
  type Progress {
    region: Region!
    year: Int!
    "Sum of the village targets (0 when none is set)."
    target: Int!
    "Enrolments registered and not cancelled: unpaid, paid, or moved to employee insurance after paying."
    registered: Int!
    "Registered, not yet paid."
    unpaid: Int!
    "Paid, or moved to employee insurance after paying (已缴费)."
    paid: Int!
    cancelled: Int!
    transferred: Int!
    "paid / target, 0..1 and beyond; 0 without a target."
    rate: Float!
    "Paid still missing to reach the target (0 once reached)."
    gap: Int!
    "Where the figures come from: the live counters, or the snapshot of a week when asOf is given."
    asOf: Date
    children: [Progress!]!
  }

  "Persons certified with one identity, and how many of them are enrolled and paid (special groups)."
  type GroupCoverage {
    identity: String!
    department: String!
    certified: Int!
    enrolled: Int!
    paid: Int!
    "paid / certified (1 when nobody is certified)."
    rate: Float!
    "The policy's goal for this identity, 0..1 (100% / 99%); null when the policy sets none for it."
    goal: Float
    "Whether rate reaches goal; null without a goal."
    met: Boolean
  }

  type ChannelSum {
    channel: String!
    payments: Int!
    amountFen: Fen!
    "Paid on the person's behalf (代缴) within amountFen."
    assistanceFen: Fen!
    reversals: Int!
    reversedFen: Fen!
  }

  "Money of a region's paid enrolments (by the day paid) and the payments behind it, by channel."
  type Funding {
    regionCode: String!
    year: Int!
    from: Date
    to: Date
    personalFen: Fen!
    assistanceFen: Fen!
    fiscalFen: Fen!
    byChannel: [ChannelSum!]!
  }

  type RankedVillage {
    region: Region!
    rank: Int!
    target: Int!
    paid: Int!
    rate: Float!
    "Rank the week before; null when that week has no figures."
    previousRank: Int
    "rate minus the week before's rate; null when that week has no figures."
    rateChange: Float
  }

  "A township's villages ranked by completion for one week (003#八(四))."
  type WeeklyReport {
    week: String!
    year: Int!
    township: Region!
    "When the figures were taken; null for the live figures of the running week."
    takenAt: String
    "Whether the week has ended and its snapshot is final."
    closed: Boolean!
    previousWeek: String
    villages: [RankedVillage!]!
  }

  "One week's completion of a region, for the weekly trend."
  type WeekFigure {
    week: String!
    target: Int!
    paid: Int!
    rate: Float!
    closed: Boolean!
  }

  "A village scored by completion (003#八(四)), decided by the policy's bands."
  type VillageAssessment {
    region: Region!
    target: Int!
    paid: Int!
    rate: Float!
    "Whole percent completed, rounded down."
    completionPercent: Int!
    "Points deducted, as a positive number (0.2 / 0.5 / 0.8 / 1)."
    deduction: Float!
    "done-in-time, or the band's percent range (≥99%, 97–98%, 95–96%, <95%)."
    band: String!
    "The day the target was reached, if it was."
    completedOn: Date
    "The notice the bands come from."
    source: String!
  }

  "A collector's cash not banked in time (双限)."
  type CashAlert {
    collector: String!
    "same-day-limit or late-deposit"
    kind: String!
    since: Date!
    undepositedFen: Fen!
    receiptNumbers: [String!]!
  }

  type ClassCount {
    class: String!
    persons: Int!
    expectedFen: Fen!
    paidFen: Fen!
    owedFen: Fen!
  }

  "The latest reconciliation run covering a region, its classes counted within the region."
  type ReconciliationSummary {
    runId: ID!
    runRegionCode: String!
    year: Int!
    asOf: String!
    createdAt: String!
    classes: [ClassCount!]!
  }

  "A registered person not yet paid; masked unless the key's role sees persons whole."
  type UnpaidPerson {
    idNumber: String!
    name: String
    village: Region!
    category: String!
    masked: Boolean!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type PersonConnection {
    totalCount: Int!
    nodes: [UnpaidPerson!]!
    pageInfo: PageInfo!
  }

  "Enrolment of one region for a year against its target (任务数). Superseded by Progress."
  type LegacyProgress {
    code: String!
    name: String!
    year: Int!
    target: Int
    registered: Int!
    paid: Int!
    cancelled: Int!
    transferred: Int!
    completionRate: Float
  }

  type ProgressReport {
    total: LegacyProgress!
    children: [LegacyProgress!]!
  }

  type Query {
    "A region and each region one level down; asOf reads the snapshot of the week holding that day."
    progress(regionCode: ID!, year: Int!, asOf: Date): Progress!
    "Special groups of a region: certified, enrolled and paid per department and identity, against the goal."
    specialGroups(regionCode: ID!, year: Int!, asOf: Date): [GroupCoverage!]!
    "Money of a region's enrolments paid between two days (inclusive), and by channel."
    funding(regionCode: ID!, year: Int!, from: Date, to: Date): Funding!
    "A township's villages ranked for a week (\\"2025-W47\\"; the running week when omitted)."
    weeklyReport(townshipCode: ID!, year: Int!, week: String): WeeklyReport!
    "Completion of a region week by week, from the snapshots."
    weeklyTrend(regionCode: ID!, year: Int!, weeks: Int = 12): [WeekFigure!]!
    "Each village of a township scored on a day (today when omitted; the policy's completeBy is the deadline its bands follow)."
    assessment(townshipCode: ID!, year: Int!, on: Date): [VillageAssessment!]!
    "Collectors of a region holding cash beyond the double limit on a day (today when omitted)."
    cashAlerts(regionCode: ID!, on: Date): [CashAlert!]!
    "The latest reconciliation run covering the region for the year, or null when none has run."
    reconciliation(regionCode: ID!, year: Int!): ReconciliationSummary
    "Registered and not paid, in village and ID order, paged."
    unpaid(regionCode: ID!, year: Int!, first: Int = 50, after: String): PersonConnection!
    "Deprecated: use progress."
    enrolmentProgress(regionCode: String!, year: Int!): ProgressReport!
      @deprecated(reason: "Use progress: the same figures, from the counters, with rate and gap.")
    "One region; a dashboard key reads its own region and what lies inside it."
    region(code: String!): Region
    "Regions under a parent (provinces when no parent is given), limited to the key's scope."
    regions(parentCode: String): [Region!]!
  }
`;
