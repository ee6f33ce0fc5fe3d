// The engine gives every line of a decision its reason in Chinese (`why_zh`),
// and the Chinese pages show it as it is: so on every case file of both
// policies, every reason (awards, lines not awarded, reductions, recoveries)
// must have a Chinese text with no English word or identifier in it, other
// than the case's own project and solution ids. Needs the built engine:
// BURSAR=path/to/bursar (run-browser-tests.sh sets it); skipped without it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bursar = process.env.BURSAR;
const policies = join(__dirname, "..", "..", "policies");

interface Line {
  why: string;
  why_zh?: string;
  reductions?: Line[];
}

function caseFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "refusals" ? [] : caseFiles(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

describe.skipIf(!bursar)("Chinese reasons of the policies' case files", () => {
  for (const policy of ["chaoyang-data-element", "digital-health"]) {
    it(`${policy}: every reason has a Chinese text without English words`, () => {
      const policyDir = join(policies, policy);
      const bad: string[] = [];
      let seen = 0;
      for (const file of caseFiles(join(policyDir, "tests"))) {
        const spec = JSON.parse(readFileSync(file, "utf8"));
        if (!spec.case) continue;
        const ids = new Set<string>();
        for (const c of [...(spec.case.claims ?? []), ...(spec.case.history ?? [])]) {
          if (c.project) ids.add(c.project);
          if (c.solution) ids.add(c.solution);
        }
        const sets = Object.entries(spec.set ?? {}).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
        let out: Buffer;
        try {
          out = execFileSync(bursar!, ["eval", "--policy", policyDir, ...sets, "-"], { input: JSON.stringify(spec.case), stdio: "pipe" });
        } catch {
          continue; // a case the engine refuses has no reasons
        }
        const d = JSON.parse(out.toString());
        const lines: Line[] = [...d.awards, ...d.not_awarded, ...(d.recoveries ?? [])];
        for (const line of [...lines, ...lines.flatMap((l) => l.reductions ?? [])]) {
          seen++;
          const zh = line.why_zh ?? "";
          const english = zh.replace(/[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*/g, (word) => (ids.has(word) ? "" : word));
          if (!zh || /[A-Za-z]{2}/.test(english)) bad.push(`${file}: ${JSON.stringify(line.why_zh)} (${line.why})`);
        }
      }
      expect(seen).toBeGreaterThan(100);
      expect(bad).toEqual([]);
      // One engine process per case file: seconds on a busy machine.
    }, 60_000);
  }
});
