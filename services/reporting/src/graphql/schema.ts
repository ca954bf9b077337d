export const schema = /* GraphQL */ `
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

  "Enrolment of one region for a year against its target (任务数)."
  type Progress {
    code: String!
    name: String!
    year: Int!
    "Sum of the village targets; null when none is set."
    target: Int
    "Registered, not yet paid."
    registered: Int!
    "Paid (waiting, covered or ended)."
    paid: Int!
    cancelled: Int!
    "Moved to employee insurance after paying."
    transferred: Int!
    "(paid + transferred) / target, 0..1 and beyond; null without a target."
    completionRate: Float
  }

  "A region's progress and that of each region one level down."
  type ProgressReport {
    total: Progress!
    children: [Progress!]!
  }

  type Query {
    "Enrolment against targets for a year, for a region in the key's scope and its children."
    enrolmentProgress(regionCode: String!, year: Int!): ProgressReport!
    "One region; a dashboard key reads its own region and what lies inside it."
    region(code: String!): Region
    "Regions under a parent (provinces when no parent is given), limited to the key's scope."
    regions(parentCode: String): [Region!]!
  }
`;
