import { describe, expect, it } from "vitest";
import { decisionsNamed, isMoneyLimit, limitFigure, limitKind, limitMeasure, limitScope, limitsVerdict, limitsVerdictText, limitText, limitYears, type LimitOverrun, type LimitsReport } from "./limits";

const cap: LimitOverrun = {
  enterprise: "91110105MA01C9XY29",
  name: "北京朝阳数据科技1号有限公司",
  kind: "cap",
  limit: "03 services: at most 5000000.00 per year",
  clause: "[03.1]",
  decision: "D-03",
  scope: "project",
  key: "P-17",
  years: [2025, 2025],
  limit_value: "5000000.00",
  total: "5200000.50",
  over: "200000.50",
  decisions: [12, 15],
};

const once: LimitOverrun = {
  enterprise: "91110105MA01C9XY30",
  name: "北京朝阳数据科技2号有限公司",
  kind: "once",
  limit: "07 platform: once",
  clause: "[7.2]",
  decision: "D-07",
  scope: "enterprise",
  years: [2023, 2025],
  limit_value: 1,
  total: 2,
  over: 1,
  decisions: [15, 31],
};

const report = (over: LimitOverrun[]): LimitsReport => ({ year: 2025, enterprises: 40, decisions: 57, clean: over.length === 0, over });

describe("limits check", () => {
  it("shows money limits in yuan as the app formats money, counts with their unit", () => {
    expect(isMoneyLimit("cap")).toBe(true);
    expect(isMoneyLimit("draw")).toBe(true);
    expect(isMoneyLimit("once")).toBe(false);
    expect(limitFigure(cap, cap.over, "zh")).toBe("¥200,000.50");
    expect(limitFigure(cap, "5000000", "en")).toBe("¥5,000,000.00");
    expect(limitFigure(once, once.over, "zh")).toBe("1 年");
    expect(limitFigure({ kind: "decided_twice" }, 2, "zh")).toBe("2 项决定");
    expect(limitFigure({ kind: "decided_twice" }, 2, "en")).toBe("2 decisions");
  });

  it("names the years counted, the kind and the scope in Chinese", () => {
    expect(limitYears([2025, 2025], "zh")).toBe("2025 年");
    expect(limitYears([2023, 2025], "zh")).toBe("2023—2025 年");
    expect(limitYears([2023, 2025], "en")).toBe("2023–2025");
    expect(limitKind("cap", "zh")).toBe("金额上限");
    expect(limitKind("period", "zh")).toBe("支持期限");
    expect(limitKind("something_new", "zh")).toBe("something_new");
    expect(limitScope(cap, "zh")).toBe("项目 P-17");
    expect(limitScope(once, "zh")).toBe("企业");
  });

  it("words the limit from its parts, not the engine's English", () => {
    expect(limitText(cap, "zh")).toBe("金额上限（项目 P-17，2025 年）：限额 ¥5,000,000.00，合计 ¥5,200,000.50");
    expect(limitText(once, "zh")).toBe("仅支持一次（企业，2023—2025 年）：限额 1 年，合计 2 年");
    expect(limitText(cap, "en")).toBe("Cap (project P-17, 2025): limit ¥5,000,000.00, total ¥5,200,000.50");
  });

  it("reads the measure from the clause cited", () => {
    expect(limitMeasure(cap)).toBe("03");
    expect(limitMeasure(once)).toBe("07");
    expect(limitMeasure({ clause: "[4.1]" })).toBe("04");
    expect(limitMeasure({ clause: "[R.1]" })).toBeNull();
    expect(limitMeasure({ clause: "" })).toBeNull();
  });

  it("says plainly whether every enterprise is within every limit", () => {
    const clean = report([]);
    expect(limitsVerdict(clean)).toEqual({ clean: true, enterprises: 40, decisions: 57, overEnterprises: 0, overruns: 0 });
    expect(limitsVerdictText(clean, "zh")).toBe("2025 年度：全部 40 家企业、57 项生效决定均未超出任何限额。");
    // Two overruns of one enterprise count it once.
    const over = report([cap, once, { ...cap, key: "P-18" }]);
    expect(limitsVerdict(over)).toEqual({ clean: false, enterprises: 40, decisions: 57, overEnterprises: 2, overruns: 3 });
    expect(limitsVerdictText(over, "zh")).toBe("2025 年度：2 家企业超出限额，共 3 处超限（共核查 40 家企业、57 项生效决定）。");
  });

  it("lists each decision named once, in the order first named", () => {
    expect(decisionsNamed(report([cap, once]))).toEqual([12, 15, 31]);
    expect(decisionsNamed(report([]))).toEqual([]);
  });
});
