import { describe, expect, it } from "vitest";
import { approxMillion, approxWan, differenceMoney, formatMillion, formatWan, formatYuan, sumMoney, parseMoneyInput, toFen } from "./money";

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

describe("approximate 万元 and millions beside the exact amount", () => {
  it("rounds half up to two decimals and says so", () => {
    expect(approxWan("4718362.34")).toBe("约 471.84 万元");
    expect(approxWan("34606946.61")).toBe("约 3,460.69 万元");
    expect(approxWan("10000.02")).toBe("约 1 万元");
    expect(approxWan("4995.00")).toBe("约 0.5 万元");
    expect(approxWan("4200000.00")).toBe("420 万元");
    expect(approxWan("12300.00")).toBe("1.23 万元");
    expect(approxMillion("4718362.34")).toBe("about RMB 4.72 million");
    expect(approxMillion("400000.00")).toBe("RMB 0.4 million");
  });
});

describe("parseMoneyInput", () => {
  it("takes thousands separators, ¥ and spaces in yuan", () => {
    expect(parseMoneyInput("30,000,000")).toBe("30000000.00");
    expect(parseMoneyInput(" ¥1,250.5 ")).toBe("1250.50");
    expect(parseMoneyInput("1，250")).toBe("1250.00");
    expect(parseMoneyInput("0.01")).toBe("0.01");
    expect(parseMoneyInput("8000000")).toBe("8000000.00");
  });
  it("takes 万元, exactly to the fen", () => {
    expect(parseMoneyInput("3000", "wan")).toBe("30000000.00");
    expect(parseMoneyInput("1.5", "wan")).toBe("15000.00");
    expect(parseMoneyInput("0.000001", "wan")).toBe("0.01");
    expect(parseMoneyInput("471.836234", "wan")).toBe("4718362.34");
    expect(parseMoneyInput("150万")).toBe("1500000.00");
    expect(parseMoneyInput("150万元", "yuan")).toBe("1500000.00");
    expect(parseMoneyInput("1,500元", "wan")).toBe("1500.00");
  });
  it("refuses what is not an amount", () => {
    for (const bad of ["", "abc", "1.234", "3,00", "1,2345", "-5", "1e6", "1.0000001万", "12,34.5"]) {
      expect(parseMoneyInput(bad), bad).toBeNull();
    }
  });
});
