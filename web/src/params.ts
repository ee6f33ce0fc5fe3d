// Policy parameters as the simulator reads and writes them, and shares of a
// budget, without floats where a person reads the result.
import type { PolicyParameter } from "./api";
import { toFen } from "./money";

/** The parameter's value in force in the year (the last one whose `from` is on or before 31 December). */
export function valueInYear(p: Pick<PolicyParameter, "values">, year: number): string | number | boolean | null {
  let v: string | number | boolean | null = null;
  for (const e of p.values) if (e.from === null || e.from <= `${year}-12-31`) v = e.value;
  return v;
}

/**
 * A slider's value as the policy language writes a literal for `set`:
 * rates "4.5%", whole yuan "2000000", yuan with fen "RMB 2000000.50".
 */
export function setValue(kind: "rate" | "money", value: number): string {
  if (kind === "rate") return `${Number(value.toFixed(4))}%`;
  const fen = Math.round(value * 100);
  return fen % 100 === 0 ? String(fen / 100) : `RMB ${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
}

/** part / whole as a percentage with one decimal, rounded down ("12.5%"); "—" without a whole. */
export function percentOf(part: string, whole: string | null): string {
  const p = toFen(part);
  const w = whole ? toFen(whole) : null;
  if (p === null || !w) return "—";
  const tenths = (p * 1000n) / w;
  return `${tenths / 10n}.${tenths % 10n}%`;
}
