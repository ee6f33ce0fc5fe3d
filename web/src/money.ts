// Money as the decision JSON writes it: a string of yuan with at most two
// decimals ("1250000.00"). Amounts are never turned into JS floats for display
// or arithmetic: they become integer fen (BigInt) and back to strings.

const MONEY = /^(\d+)(?:\.(\d{1,2}))?$/;

/** Integer fen of a money string, or null when the string is not money. */
export function toFen(s: string): bigint | null {
  const m = MONEY.exec(s);
  if (!m) return null;
  const frac = (m[2] ?? "").padEnd(2, "0");
  return BigInt(m[1]) * 100n + BigInt(frac);
}

/** "1250000" → "1,250,000" (digits only). */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** fen → "1250000.00" (the decision's own format). */
export function fenToMoney(fen: bigint): string {
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  return `${neg ? "-" : ""}${a / 100n}.${(a % 100n).toString().padStart(2, "0")}`;
}

/** "1250000.00" → "¥1,250,000.00". A string that is not money is returned unchanged. */
export function formatYuan(s: string): string {
  if (s.startsWith("-")) {
    const rest = formatYuan(s.slice(1));
    return rest === s.slice(1) ? s : `-${rest}`;
  }
  const fen = toFen(s);
  if (fen === null) return s;
  return `¥${group((fen / 100n).toString())}.${(fen % 100n).toString().padStart(2, "0")}`;
}

/** fen divided by 10^scaleDigits, written exactly with trailing zeros trimmed. */
function scaled(fen: bigint, scaleDigits: number): string {
  const unit = 10n ** BigInt(scaleDigits);
  const whole = group((fen / unit).toString());
  const frac = (fen % unit).toString().padStart(scaleDigits, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole;
}

/** "1250000.00" → "125 万元" (1 万元 = 10,000 yuan = 10^6 fen). */
export function formatWan(s: string): string {
  const fen = toFen(s);
  if (fen === null) return s;
  return `${scaled(fen, 6)} 万元`;
}

/** "1250000.00" → "RMB 1.25 million" (10^6 yuan = 10^8 fen). */
export function formatMillion(s: string): string {
  const fen = toFen(s);
  if (fen === null) return s;
  return `RMB ${scaled(fen, 8)} million`;
}

/** The exact sum of money strings, as a money string. REQUIRES: each is money. */
export function sumMoney(amounts: string[]): string {
  let fen = 0n;
  for (const a of amounts) {
    const f = toFen(a);
    if (f === null) throw new Error(`not a money string: ${a}`);
    fen += f;
  }
  return fenToMoney(fen);
}

/** fen − fen as a money string: the reduction between computed and final amounts. */
export function differenceMoney(a: string, b: string): string {
  const fa = toFen(a);
  const fb = toFen(b);
  if (fa === null || fb === null) throw new Error(`not money: ${a}, ${b}`);
  return fenToMoney(fa - fb);
}

/** fen rounded half up to a multiple of unit fen. */
function roundHalfUp(fen: bigint, unit: bigint): bigint {
  return ((fen + unit / 2n) / unit) * unit;
}

/**
 * "4718362.34" → "约 471.84 万元": 万元 to two decimals, for reading beside the
 * exact ¥ figure; exact amounts (at most two decimals of 万元) have no 约.
 */
export function approxWan(s: string): string {
  const fen = toFen(s);
  if (fen === null) return s;
  const r = roundHalfUp(fen, 10000n); // 0.01 万元 = 100 yuan = 10,000 fen
  return r === fen ? formatWan(s) : `约 ${scaled(r, 6)} 万元`;
}

/** "4718362.34" → "about RMB 4.72 million", exact amounts without "about". */
export function approxMillion(s: string): string {
  const fen = toFen(s);
  if (fen === null) return s;
  const r = roundHalfUp(fen, 1000000n); // 0.01 million yuan = 10,000 yuan
  return r === fen ? formatMillion(s) : `about RMB ${scaled(r, 8)} million`;
}

export type MoneyUnit = "yuan" | "wan";

/**
 * What a person types as an amount → the money string the API takes, or
 * null when it is not an amount. Accepts thousands separators ("30,000,000",
 * also "，"), a leading ¥, spaces, and the unit: in 元 at most two decimals,
 * in 万元 at most six (to the fen); a trailing 元 or 万元/万 overrides `unit`.
 * Exact: digits become integer fen, never a float.
 */
export function parseMoneyInput(text: string, unit: MoneyUnit = "yuan"): string | null {
  let s = text.trim().replace(/^[¥￥]\s*/, "").replace(/\s+/g, "").replace(/，/g, ",");
  let u = unit;
  if (/万元?$/.test(s)) {
    u = "wan";
    s = s.replace(/万元?$/, "");
  } else if (s.endsWith("元")) {
    u = "yuan";
    s = s.slice(0, -1);
  }
  if (s.includes(",")) {
    if (!/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return null;
    s = s.replace(/,/g, "");
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  const places = u === "wan" ? 6 : 2;
  const frac = m[2] ?? "";
  if (frac.length > places) return null;
  const whole = BigInt(m[1]) * (u === "wan" ? 1_000_000n : 100n);
  return fenToMoney(whole + BigInt(frac.padEnd(places, "0") || "0"));
}
