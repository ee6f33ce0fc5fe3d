import { afterEach, describe, expect, test, vi } from "vitest";
import { auditDeclarations } from "./api";

/** Answers every request with `answer` and records the URL and method asked. */
function serve(answer: unknown): Array<{ url: string; method: string }> {
  const asked: Array<{ url: string; method: string }> = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    asked.push({ url, method: init.method ?? "GET" });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  return asked;
}

afterEach(() => vi.unstubAllGlobals());

describe("auditDeclarations", () => {
  const none = { declarations: [], unchecked: 0 };

  test("asks for one year and one programme when given them", async () => {
    const asked = serve(none);
    expect(await auditDeclarations({ year: 2024, policy: "digital-health" })).toEqual(none);
    expect(asked).toEqual([{ url: "/api/audit/declarations?year=2024&policy=digital-health", method: "GET" }]);
  });

  test("leaves out what is not chosen: every year, every programme", async () => {
    const asked = serve(none);
    await auditDeclarations({ year: 2025 });
    await auditDeclarations({ policy: "chaoyang-data-element" });
    await auditDeclarations({ policy: "" });
    await auditDeclarations();
    expect(asked.map((a) => a.url)).toEqual([
      "/api/audit/declarations?year=2025",
      "/api/audit/declarations?policy=chaoyang-data-element",
      "/api/audit/declarations",
      "/api/audit/declarations",
    ]);
  });

  test("a refused year is an error naming the field the server names", async () => {
    vi.stubGlobal("fetch", async () =>
      new Response(JSON.stringify({ error: { code: "invalid_argument", message: "expected a year such as 2025", field: "query.year" } }), { status: 400 }),
    );
    await expect(auditDeclarations({ year: 1800 })).rejects.toMatchObject({ status: 400, field: "query.year" });
  });
});
