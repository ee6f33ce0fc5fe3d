import { describe, expect, it } from "vitest";
import type * as api from "./api";
import { declarationLines, declarationsScopeText, declarationsState, declarationsVerdict, declarationsVerdictText, tradeOf, uncheckedText, type DeclarationsContext, type DeclaredOfficial, type DeclarationsReport } from "./declarations";
import { figureNames } from "./programme";

const flag = (name: string, label_zh: string, given?: [string, string]): api.CaseField => ({
  name,
  type: "flag",
  label: name.replace(/_/g, " "),
  label_zh,
  ...(given ? { given_by: given[0], given_by_zh: given[1] } : {}),
});

// digital-health's policy as GET /api/policy?policy=digital-health gives it (only what the figures' names read).
const digitalHealth: api.PolicySummary = {
  id: "digital-health",
  version: "1",
  title: "Digital health",
  title_zh: "数字健康产业支持",
  digest: "",
  measures: [],
  parameters: [],
  case: {
    applicant: [flag("registered_in_district", "在本区注册"), flag("digital_health_business", "主营业务为数字健康", ["the district industry office", "区行业主管部门"])],
    tags: [],
    facts: [],
    last_year: [],
    claim_fields: [],
    units: [],
  },
};

const figure: DeclaredOfficial = {
  table: "figure",
  credit_code: "91110105MA01C9XY29",
  policy: "digital-health",
  year: 2025,
  field: "applicant.digital_health_business",
  key: "credit_code=91110105MA01C9XY29 policy=digital-health year=2025 name=applicant.digital_health_business",
  verified_by: "officer-zhao",
  decisions: [12, 13],
};

const trade: DeclaredOfficial = {
  table: "trade",
  credit_code: "91110105MA01C9XY30",
  policy: "",
  year: 2024,
  field: "legally_established",
  key: "credit_code=91110105MA01C9XY30 exchange=北京国际大数据交易所 trade_id=T-2024-007",
  verified_by: null,
  decisions: [],
};

// A figure of a programme whose policy could not be read: its name as stored.
const unread: DeclaredOfficial = { ...figure, credit_code: "91110105MA01C9XY31", policy: "elsewhere", field: "facts.licensed_beds", key: "k", decisions: [13, 20] };

const context: DeclarationsContext = {
  name: (code) => ({ "91110105MA01C9XY29": "北京朝阳数据科技1号有限公司", "91110105MA01C9XY30": "北京朝阳数据科技2号有限公司" })[code],
  programme: (policy) => ({ "": "朝阳区数据要素政策", "digital-health": "数字健康产业支持" })[policy] ?? policy,
  figures: (policy) => (policy === "digital-health" ? figureNames(digitalHealth, "zh") : null),
};

const report = (declarations: DeclaredOfficial[], unchecked = 0): DeclarationsReport => ({ declarations, unchecked });

describe("declarations check", () => {
  it("is clean, green, only with no declaration listed and none left unjudged", () => {
    const clean = report([]);
    expect(declarationsVerdict(clean)).toEqual({ clean: true, declarations: 0, enterprises: 0, decisions: 0, unchecked: 0 });
    expect(declarationsState(declarationsVerdict(clean))).toBe("clean");
    expect(declarationsVerdictText(clean, "zh")).toBe("未发现由企业自行申报并经核验的主管部门认定事项。");
    expect(uncheckedText(clean, "zh")).toBeNull();
    expect(declarationLines(clean, context, "zh")).toEqual([]);
  });

  it("counts the declarations, their enterprises and the decisions that may rest on them, each once", () => {
    const found = report([figure, trade, unread]);
    expect(declarationsVerdict(found)).toEqual({ clean: false, declarations: 3, enterprises: 3, decisions: 3, unchecked: 0 });
    expect(declarationsState(declarationsVerdict(found))).toBe("found");
    expect(declarationsVerdictText(found, "zh")).toBe("发现 3 项应由主管部门认定的事项由企业自行申报并经核验，涉及 3 家企业、3 项生效决定。");
    expect(declarationsVerdictText(report([figure, { ...figure, year: 2024 }]), "zh")).toBe(
      "发现 2 项应由主管部门认定的事项由企业自行申报并经核验，涉及 1 家企业、2 项生效决定。",
    );
  });

  it("says what was checked: the year and programme asked for, or every one", () => {
    expect(declarationsScopeText({}, "zh")).toBe("核查范围：全部年度 · 全部政策");
    expect(declarationsScopeText({ year: 2024, title: "数字健康产业支持" }, "zh")).toBe("核查范围：2024 年度 · 项目：数字健康产业支持");
    expect(declarationsScopeText({ year: 2025 }, "zh")).toBe("核查范围：2025 年度 · 全部政策");
    expect(declarationsScopeText({ title: "Digital health" }, "en")).toBe("Checked: every year · Programme: Digital health");
  });

  it("warns of the declarations of a policy the server does not publish, and is not clean for them", () => {
    const only = report([], 2);
    const v = declarationsVerdict(only);
    expect(v.clean).toBe(false);
    expect(declarationsState(v)).toBe("unchecked");
    expect(declarationsVerdictText(only, "zh")).toBe("可核查的申报中未发现由企业自行申报并经核验的主管部门认定事项，但部分申报无法核查（见下）。");
    expect(uncheckedText(only, "zh")).toBe("另有 2 项经核验的企业申报数据，所属政策未在本系统发布，无法判断是否应由主管部门认定，请人工复核。");
    expect(declarationsState(declarationsVerdict(report([figure], 2)))).toBe("found");
    expect(uncheckedText(report([figure], 1), "en")).toMatch(/^1 more verified declared figures/);
  });

  it("words each line of the table: enterprise, programme, year, what was declared and by whose word alone, who verified it, the decisions", () => {
    const [f, tr, u] = declarationLines(report([figure, trade, unread]), context, "zh");
    expect(f).toEqual({
      code: "91110105MA01C9XY29",
      name: "北京朝阳数据科技1号有限公司",
      programme: "数字健康产业支持",
      year: "2025 年",
      kind: "申报数据",
      item: "主营业务为数字健康",
      detail: "应由区行业主管部门认定",
      verifier: "officer-zhao",
      verified: true,
      decisions: [12, 13],
      key: figure.key,
    });
    expect(tr).toMatchObject({
      name: "北京朝阳数据科技2号有限公司",
      programme: "朝阳区数据要素政策",
      year: "2024 年",
      kind: "申报交易",
      item: "在依法设立的交易机构成交",
      detail: "交易机构：北京国际大数据交易所；交易编号：T-2024-007",
      verifier: "未核验",
      verified: false,
      decisions: [],
    });
    // Neither the enterprise's name nor the policy could be read: the credit code and the figure's name.
    expect(u).toMatchObject({ name: "91110105MA01C9XY31", programme: "elsewhere", item: "facts.licensed_beds", detail: "", decisions: [13, 20] });
    const english = { ...context, figures: (policy: string) => (policy === "digital-health" ? figureNames(digitalHealth, "en") : null) };
    expect(declarationLines(report([figure]), english, "en")[0]).toMatchObject({ item: "digital health business", detail: "only the district industry office gives it", year: "2025" });
  });

  it("reads the institution and trade from a trade's key", () => {
    expect(tradeOf(trade.key)).toEqual({ exchange: "北京国际大数据交易所", trade: "T-2024-007" });
    expect(tradeOf(figure.key)).toBeNull();
  });
});
