// Applications of programmes run side by side: labelled, offered and built by
// their own policy's terms (digital-health's measure 4 is not Chaoyang's 04).
import { describe, expect, it } from "vitest";
import type { Application, PolicySummary } from "./api";
import {
  applyFreeMeasures,
  choiceLabel,
  choiceOptions,
  claimEntries,
  claimFieldNames,
  claimFrom,
  claimMeasures,
  claimValues,
  figureNames,
  figureTypeText,
  isApplyFree,
  itemTitle,
  measureTitle,
  ofServed,
  titleIn,
} from "./programme";

// As GET /api/policy?policy=digital-health gives it (the parts these read).
const dh: PolicySummary = {
  id: "digital-health",
  version: "2025.1",
  title: "Measures for Supporting Digital Health Enterprises",
  title_zh: "促进数字健康企业发展的若干措施",
  digest: "",
  parameters: [],
  measures: [
    { id: "1", title: "Settling in", title_zh: "落户支持", items: [{ name: "rent", title: "rent subsidy", title_zh: "落户三年租金补贴", by: "facts", cites: ["[1.1]"] }] },
    {
      id: "4",
      title: "Financing",
      title_zh: "融资支持",
      items: [{ name: "interest", title: "interest subsidy", title_zh: "贷款贴息", by: "claim", cites: ["[4.1]"], claim_fields: ["principal", "interest_paid", "drawn_on"] }],
    },
    {
      id: "6",
      title: "Matching",
      title_zh: "配套支持",
      items: [{ name: "matching", title: "matching", title_zh: "国家或市级资金配套", by: "claim", cites: ["[6.1]"], claim_fields: ["programme", "funding_received"] }],
    },
    // Mixed: one item by facts, one by claim (offered for a claim, not apply-free).
    {
      id: "8",
      title: "Mixed",
      items: [
        { name: "auto", title: "auto", by: "facts", cites: [] },
        { name: "asked", title: "asked", by: "claim", cites: [], claim_fields: [] },
      ],
    },
  ],
  case: {
    applicant: [
      { name: "registered_in_district", type: "flag", label: "registered in the district", label_zh: "在本区注册" },
      { name: "digital_health_business", type: "flag", label: "main business in digital health", label_zh: "主营业务为数字健康", given_by: "the district industry office", given_by_zh: "区行业主管部门" },
    ],
    tags: [],
    facts: [
      { name: "settled_year", type: "year?", label: "year settled", label_zh: "落户本区年份" },
      { name: "rent_paid", type: "money", label: "rent paid", label_zh: "实际支付租金" },
      { name: "rented_area", type: "square_metre", label: "area", label_zh: "租赁面积" },
    ],
    last_year: [],
    claim_fields: [
      { name: "principal", type: "money", label: "loan principal", label_zh: "贷款本金" },
      { name: "interest_paid", type: "money", label: "interest paid", label_zh: "年度实际支付利息" },
      { name: "drawn_on", type: "date", label: "day drawn", label_zh: "贷款发放日" },
      {
        name: "programme",
        type: "one of (national, municipal)",
        label: "funding programme",
        label_zh: "资助计划层级",
        choices: [
          { name: "national", label_zh: "国家级" },
          { name: "municipal", label_zh: "市级" },
        ],
      },
      { name: "funding_received", type: "money", label: "funding received", label_zh: "实际到位资金" },
      { name: "project", type: "text?", label: "project", label_zh: "项目" },
    ],
    units: [{ name: "square_metre", noun: "square metres", noun_zh: "平方米" }],
  },
};

describe("which programme an application is of", () => {
  it("no policy, or the served one's id, is the served programme", () => {
    expect(ofServed(undefined, "chaoyang-data-element")).toBe(true);
    expect(ofServed("", "chaoyang-data-element")).toBe(true);
    expect(ofServed("chaoyang-data-element", "chaoyang-data-element")).toBe(true);
    expect(ofServed("digital-health", "chaoyang-data-element")).toBe(false);
  });
  it("without a known served policy every application is taken as the served programme's", () => {
    expect(ofServed("digital-health", undefined)).toBe(true);
  });
});

describe("labels by the policy's own terms", () => {
  it("measure and item titles in Chinese, in English, and an unknown item by its name", () => {
    expect(measureTitle(dh, "4", "interest", "zh")).toBe("4 融资支持 · 贷款贴息");
    expect(measureTitle(dh, "4", "interest", "en")).toBe("4 Financing · interest subsidy");
    expect(measureTitle(dh, "6", undefined, "zh")).toBe("6 配套支持");
    expect(measureTitle(dh, "4", "leasing", "zh")).toBe("4 融资支持 · leasing");
    expect(measureTitle(dh, "06", null, "zh")).toBe("06");
    expect(itemTitle(dh, "1", "rent", "zh")).toBe("落户三年租金补贴");
    expect(titleIn(dh, "zh")).toBe("促进数字健康企业发展的若干措施");
    expect(titleIn({ title: "No Chinese" }, "zh")).toBe("No Chinese");
  });
});

describe("measures offered", () => {
  it("for a claim: measures with a claim item, with those items only", () => {
    const offered = claimMeasures(dh);
    expect(offered.map((m) => m.id)).toEqual(["4", "6", "8"]);
    expect(offered[2].items.map((i) => i.name)).toEqual(["asked"]);
  });
  it("apply-free: every item decided from facts", () => {
    expect(applyFreeMeasures(dh).map((m) => m.id)).toEqual(["1"]);
  });
});

describe("a claim of another programme", () => {
  const interest = dh.measures[1].items[0];
  it("asks for the item's fields, then the project the policy's claims may name", () => {
    expect(claimFieldNames(dh, interest)).toEqual(["principal", "interest_paid", "drawn_on", "project"]);
    // The server lists an item's fields by name; the form asks in the policy's order.
    expect(claimFieldNames(dh, { ...interest, claim_fields: ["drawn_on", "interest_paid", "principal"] })).toEqual(["principal", "interest_paid", "drawn_on", "project"]);
    expect(claimFieldNames({ ...dh, case: { ...dh.case!, claim_fields: dh.case!.claim_fields.filter((f) => f.name !== "project") } }, interest)).toEqual([
      "principal",
      "interest_paid",
      "drawn_on",
    ]);
  });
  it("types each value as the policy declares it and leaves empty ones out", () => {
    const names = claimFieldNames(dh, interest);
    const claim = claimFrom(dh, "4", "interest", names, { principal: "5,000,000", interest_paid: "150000.5", drawn_on: " 2025-01-15 ", project: "" });
    expect(claim).toEqual({ measure: "4", item: "interest", principal: "5000000.00", interest_paid: "150000.50", drawn_on: "2025-01-15" });
    // Money that is not money stays as typed, for the server to refuse at its field.
    expect(claimFrom(dh, "4", "interest", names, { principal: "五百万" }).principal).toBe("五百万");
    // A field of another item is not sent.
    expect(claimFrom(dh, "4", "interest", names, { funding_received: "1" })).toEqual({ measure: "4", item: "interest" });
  });
  it("shows a stored claim again: values for the form, labelled entries with money in yuan", () => {
    // As the server answers it: the claim's keys in alphabetical order.
    const stored = { drawn_on: "2025-01-15", interest_paid: "150000.50", item: "interest", measure: "4", principal: "5000000.00" };
    expect(claimValues(stored, ["principal", "drawn_on", "project"])).toEqual({ principal: "5000000.00", drawn_on: "2025-01-15" });
    expect(claimEntries(dh, stored, "zh")).toEqual([
      ["贷款本金", "¥5,000,000.00"],
      ["年度实际支付利息", "¥150,000.50"],
      ["贷款发放日", "2025-01-15"],
    ]);
    expect(claimEntries(dh, { measure: "1", apply_free: true }, "zh")).toEqual([]);
  });
});

describe("a choice's values", () => {
  const programme = dh.case!.claim_fields.find((f) => f.name === "programme")!;
  it("by the Chinese labels the policy gives, by their names in English", () => {
    expect(choiceOptions(programme, "zh")).toEqual([["national", "国家级"], ["municipal", "市级"]]);
    expect(choiceOptions(programme, "en")).toEqual([["national", "national"], ["municipal", "municipal"]]);
  });
  it("by its names where a value has no label or the server lists no choices; none for a field that is no choice", () => {
    expect(choiceOptions({ type: "one of (a, b)", choices: [{ name: "a", label_zh: "甲" }, { name: "b" }] }, "zh")).toEqual([["a", "甲"], ["b", "b"]]);
    expect(choiceOptions({ type: "one of (security_assessment, standard_contract)?" }, "zh")).toEqual([
      ["security_assessment", "security_assessment"],
      ["standard_contract", "standard_contract"],
    ]);
    expect(choiceOptions({ type: "money" }, "zh")).toBeNull();
  });
  it("a stored value by its label; an unknown value, or one of no choice, as it is", () => {
    expect(choiceLabel(programme, "municipal", "zh")).toBe("市级");
    expect(choiceLabel(programme, "municipal", "en")).toBe("municipal");
    expect(choiceLabel(programme, "provincial", "zh")).toBe("provincial");
    expect(choiceLabel({ type: "text?" }, "national", "zh")).toBe("national");
  });
  it("a stored claim shows its choice by the label", () => {
    const stored = { funding_received: "800000.00", item: "matching", measure: "6", programme: "national", project: "P-1" };
    expect(claimEntries(dh, stored, "zh")).toEqual([
      ["资助计划层级", "国家级"],
      ["实际到位资金", "¥800,000.00"],
      ["项目", "P-1"],
    ]);
    expect(claimEntries(dh, stored, "en")[0]).toEqual(["funding programme", "national"]);
  });
});

describe("an apply-free proposal", () => {
  const app = (claim: Application["claim"]): Application => ({ id: 1, credit_code: "X", year: 2025, measure: claim.measure, claim, state: "draft", version: 1 });
  it("is the office's proposal by its claim, whatever the measure's number", () => {
    expect(isApplyFree(app({ measure: "1", apply_free: true }))).toBe(true);
    expect(isApplyFree(app({ measure: "4", item: "interest", principal: "1.00" }))).toBe(false);
    expect(isApplyFree(app({ measure: "04" }))).toBe(false);
  });
});

describe("the figures a programme reads", () => {
  it("names its applicant fields and facts as in a case, marking what an authority gives", () => {
    const names = figureNames(dh, "zh");
    expect(names.map((n) => n.name)).toEqual(["applicant.registered_in_district", "applicant.digital_health_business", "facts.settled_year", "facts.rent_paid", "facts.rented_area"]);
    expect(names[1]).toEqual({ name: "applicant.digital_health_business", label: "主营业务为数字健康", type: "flag", givenBy: "区行业主管部门" });
    expect(names[0].givenBy).toBeUndefined();
    expect(figureNames(dh, "en")[1].givenBy).toBe("the district industry office");
  });
  it("says how each value is written", () => {
    expect(figureTypeText(dh, "money", "zh")).toBe("金额（元），最多两位小数");
    expect(figureTypeText(dh, "year?", "zh")).toBe("四位数年份，如 2025；没有时写 `none`");
    expect(figureTypeText(dh, "square_metre", "zh")).toBe("数量（平方米）");
    expect(figureTypeText(dh, "one of (national, municipal)", "zh")).toBe("取值之一：`national`、`municipal`");
    expect(figureTypeText(dh, "one of (national, municipal)", "en")).toBe("one of `national`, `municipal`");
    expect(figureTypeText(dh, "flag", "en")).toBe("true or false");
    // A choice's names with the labels the policy gives them.
    const choices = [{ name: "national", label_zh: "国家级" }, { name: "municipal" }];
    expect(figureTypeText(dh, "one of (national, municipal)", "zh", choices)).toBe("取值之一：`national`（国家级）、`municipal`");
    expect(figureTypeText(dh, "one of (national, municipal)", "en", choices)).toBe("one of `national`, `municipal`");
  });
});
