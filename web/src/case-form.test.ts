// The case a calculator form of any policy builds, from the fields the policy
// declares; with the built engine (BURSAR=path/to/bursar, as
// run-browser-tests.sh sets it) the case is decided by the second policy.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PolicySummary } from "./api";
import { buildCase, caseValue, type FormState } from "./case-form";

// The fields of policies/digital-health as GET /api/policy?policy=digital-health gives them.
const policy: PolicySummary = {
  id: "digital-health",
  version: "2025.1",
  title: "Measures for Supporting Digital Health Enterprises",
  digest: "",
  parameters: [],
  measures: [{ id: "6", title: "Matching", items: [{ name: "matching", title: "matching", by: "claim", cites: ["[6.1]"], claim_fields: ["funding_received", "programme"] }] }],
  case: {
    applicant: ["registered_in_district", "taxed_in_district", "independent_legal_person", "digital_health_business", "serious_dishonesty_record"].map((name) => ({ name, type: "flag", label: name })),
    tags: [],
    facts: [
      { name: "rented_area", type: "square_metre", label: "area" },
      { name: "rent_days", type: "day", label: "days" },
      { name: "settled_year", type: "year?", label: "settled" },
      { name: "rent_paid", type: "money", label: "rent" },
      { name: "operating_revenue", type: "money", label: "revenue" },
      { name: "doctoral_employees", type: "count", label: "doctors" },
    ],
    last_year: ["operating_revenue"],
    claim_fields: [
      { name: "programme", type: "one of (national, municipal)", label: "programme" },
      { name: "funding_received", type: "money", label: "funding" },
      { name: "project", type: "text?", label: "project" },
    ],
    units: [{ name: "square_metre", noun: "square metres", noun_zh: "平方米" }],
  },
};

function form(): FormState {
  return {
    year: "2025",
    applicant: { registered_in_district: true, taxed_in_district: true, independent_legal_person: true, digital_health_business: true, serious_dishonesty_record: false },
    tags: new Set(),
    facts: { settled_year: "2023", rent_paid: "100,000", rented_area: "100", rent_days: "365", doctoral_employees: "" },
    earlier: {},
    claims: [{ key: "6/matching", values: { programme: "national", funding_received: "120 万元", project: "P-1" } }],
  };
}

describe("a typed input as the case format writes it", () => {
  it("money exact from separators and 万元; counts and years as integers; quantities as decimal text", () => {
    expect(caseValue("money", "1,234.5")).toBe("1234.50");
    expect(caseValue("money", "120万元")).toBe("1200000.00");
    expect(caseValue("count", "12")).toBe(12);
    expect(caseValue("year?", "2023")).toBe(2023);
    expect(caseValue("square_metre", " 1234.5 ")).toBe("1234.5");
    expect(caseValue("flag", true)).toBe(true);
  });
  it("empty: none for an optional field, left out otherwise; bad text goes as typed for the server to refuse", () => {
    expect(caseValue("year?", "")).toBeNull();
    expect(caseValue("money", "")).toBeUndefined();
    expect(caseValue("money", "about a million")).toBe("about a million");
    expect(caseValue("count", "1.5")).toBe("1.5");
  });
});

describe("the case of a form", () => {
  it("holds the applicant with the anonymous code, the facts given and each claim", () => {
    expect(buildCase(policy, form())).toEqual({
      year: 2025,
      applicant: {
        id: "91110105MA01C9XY29",
        registered_in_district: true,
        taxed_in_district: true,
        independent_legal_person: true,
        digital_health_business: true,
        serious_dishonesty_record: false,
      },
      facts: { rented_area: "100", rent_days: "365", settled_year: 2023, rent_paid: "100000.00" },
      claims: [{ measure: "6", item: "matching", programme: "national", funding_received: "1200000.00", project: "P-1" }],
    });
  });

  const bursar = process.env.BURSAR;
  it("gives the year before's figures under `earlier`, at the year before the case's", () => {
    const s = form();
    s.facts.operating_revenue = "5750 万元";
    s.earlier.operating_revenue = "50,000,000";
    const kase = buildCase(policy, s);
    expect(kase.facts).toMatchObject({ operating_revenue: "57500000.00" });
    expect(kase.earlier).toEqual({ "2024": { operating_revenue: "50000000.00" } });
    s.earlier.operating_revenue = "";
    expect(buildCase(policy, s).earlier).toBeUndefined();
  });

  it.skipIf(!bursar)("with the year before's revenue, is decided by [2.2]: 2% of the growth", () => {
    const s = form();
    s.facts = { operating_revenue: "57,500,000" };
    s.earlier.operating_revenue = "50000000";
    s.claims = [];
    const out = execFileSync(bursar!, ["eval", "--policy", join(__dirname, "..", "..", "policies", "digital-health"), "-"], {
      input: JSON.stringify(buildCase(policy, s)),
      encoding: "utf8",
    });
    const d = JSON.parse(out);
    expect(d.awards.map((a: { item: string; amount: string }) => [a.item, a.amount])).toEqual([
      ["thresholds", "300000.00"],
      ["growth", "150000.00"],
    ]);
  });

  it.skipIf(!bursar)("is decided by the second policy: the third year's rent at 40% and the national funding matched 1:1", () => {
    const out = execFileSync(bursar!, ["eval", "--policy", join(__dirname, "..", "..", "policies", "digital-health"), "-"], {
      input: JSON.stringify(buildCase(policy, form())),
      encoding: "utf8",
    });
    const d = JSON.parse(out);
    expect(d.awards.map((a: { item: string; amount: string }) => [a.item, a.amount])).toEqual([
      ["rent", "40000.00"],
      ["matching", "1200000.00"],
    ]);
    expect(d.total).toBe("1240000.00");
  });
});
