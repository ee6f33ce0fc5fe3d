import { describe, expect, it } from "vitest";
import { differenceMoney, formatMillion, formatWan, formatYuan, sumMoney, toFen } from "./money";

describe("money strings", () => {
  it("formats yuan with separators and two decimals", () => {
    expect(formatYuan("1250000.00")).toBe("¥1,250,000.00");
    expect(formatYuan("400000.00")).toBe("¥400,000.00");
    expect(formatYuan("0.00")).toBe("¥0.00");
    expect(formatYuan("12345.6")).toBe("¥12,345.60");
    expect(formatYuan("999")).toBe("¥999.00");
    expect(formatYuan("-250000.00")).toBe("-¥250,000.00");
  });
  it("formats 万元 exactly, trimming zeros", () => {
    expect(formatWan("1250000.00")).toBe("125 万元");
    expect(formatWan("4200000.00")).toBe("420 万元");
    expect(formatWan("8300000.00")).toBe("830 万元");
    expect(formatWan("12345.67")).toBe("1.234567 万元");
    expect(formatWan("0.01")).toBe("0.000001 万元");
    expect(formatWan("1000000000.00")).toBe("100,000 万元");
  });
  it("formats millions exactly", () => {
    expect(formatMillion("1250000.00")).toBe("RMB 1.25 million");
    expect(formatMillion("500000.00")).toBe("RMB 0.5 million");
  });
  it("adds without floating point", () => {
    // 0.1 + 0.2 is the classic float trap.
    expect(sumMoney(["0.10", "0.20"])).toBe("0.30");
    expect(sumMoney(["9007199254740993.01", "0.01"])).toBe("9007199254740993.02");
    expect(sumMoney([])).toBe("0.00");
    expect(differenceMoney("1000000.00", "500000.00")).toBe("500000.00");
  });
  it("refuses what is not money", () => {
    expect(toFen("1,000")).toBeNull();
    expect(toFen("1.234")).toBeNull();
    expect(toFen("-1")).toBeNull();
    expect(formatYuan("n/a")).toBe("n/a");
  });
});
