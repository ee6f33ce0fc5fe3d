import { describe, expect, it } from "vitest";
import { percentOf, setValue, valueInYear } from "./params";

describe("valueInYear", () => {
  const p = {
    values: [
      { from: null, value: "5%" },
      { from: "2026-01-01", value: "4%" },
    ],
  };
  it("takes the value in force in that year", () => {
    expect(valueInYear(p, 2025)).toBe("5%");
    expect(valueInYear(p, 2026)).toBe("4%");
    expect(valueInYear({ values: [{ from: "2027-07-01", value: "1%" }] }, 2026)).toBeNull();
  });
});

describe("setValue", () => {
  it("writes rates and amounts as policy literals", () => {
    expect(setValue("rate", 7)).toBe("7%");
    expect(setValue("rate", 5.5)).toBe("5.5%");
    expect(setValue("money", 2000000)).toBe("2000000");
    expect(setValue("money", 1500000.5)).toBe("RMB 1500000.50");
    expect(setValue("money", 0.07)).toBe("RMB 0.07");
  });
});

describe("percentOf", () => {
  it("is exact and rounds down", () => {
    expect(percentOf("4200000.00", "300000000.00")).toBe("1.4%");
    expect(percentOf("1.00", "3.00")).toBe("33.3%");
    expect(percentOf("0.00", "1.00")).toBe("0.0%");
    expect(percentOf("1.00", null)).toBe("—");
    expect(percentOf("1.00", "0.00")).toBe("—");
  });
});
