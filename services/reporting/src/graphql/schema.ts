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

  type Query {
    "One region; a dashboard key reads its own region and what lies inside it."
    region(code: String!): Region
    "Regions under a parent (provinces when no parent is given), limited to the key's scope."
    regions(parentCode: String): [Region!]!
  }
`;
