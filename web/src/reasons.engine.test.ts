// Every reason the engine gives on the policy's own case files has a Chinese
// form, so the Chinese screens never fall back to English for them. Needs the
// built engine: BURSAR=path/to/bursar (run-browser-tests.sh sets it); skipped
// without it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reasonZh } from "./reasons";

const bursar = process.env.BURSAR;
const policyDir = join(__dirname, "..", "..", "policies", "chaoyang-data-element");

describe.skipIf(!bursar)("reasons of the policy's case files", () => {
  it("all have a Chinese form", () => {
    const missing = new Set<string>();
    let seen = 0;
    const testsDir = join(policyDir, "tests");
    for (const group of readdirSync(testsDir)) {
      if (group === "refusals") continue;
      for (const file of readdirSync(join(testsDir, group))) {
        if (!file.endsWith(".json")) continue;
        const spec = JSON.parse(readFileSync(join(testsDir, group, file), "utf8"));
        const sets = Object.entries(spec.set ?? {}).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
        const out = execFileSync(bursar!, ["eval", "--policy", policyDir, ...sets, "-"], { input: JSON.stringify(spec.case) });
        const d = JSON.parse(out.toString());
        for (const line of [...d.awards, ...d.not_awarded]) {
          for (const why of [line.why, ...(line.reductions ?? []).map((r: { why: string }) => r.why)]) {
            seen++;
            if (reasonZh(why) === null) missing.add(why);
          }
        }
      }
    }
    expect(seen).toBeGreaterThan(100);
    expect([...missing]).toEqual([]);
    // One engine process per case file (about 128): seconds on a busy machine.
  }, 60_000);
});
