import { describe, expect, test } from "vitest";
import { auditSentence } from "./audit-text";

describe("audit sentences", () => {
  test("who did what to what, with the file's digest", () => {
    const sha = "ba01df342c21".padEnd(64, "0");
    expect(
      auditSentence(
        {
          actor: "qiye-zhang",
          change: { op: "attachment.add", application: 46, attachment: 3, filename: "技术服务合同.pdf", content_type: "application/pdf", size: 66, sha256: sha },
        },
        "zh",
      ),
    ).toBe("qiye-zhang 上传材料：申请 #46，《技术服务合同.pdf》，SHA-256 ba01df342c21…");
    expect(auditSentence({ actor: "qiye-zhang", change: { op: "attachment.add", application: 46, filename: "a.pdf", sha256: sha } }, "en")).toBe(
      'qiye-zhang: file uploaded — application #46, "a.pdf", SHA-256 ba01df342c21…',
    );
  });

  test("steps name their states, amounts are yuan, long lists are cut", () => {
    expect(auditSentence({ actor: "officer-zhao", change: { op: "application.submit", application: 7, from: "draft", to: "submitted" } }, "zh")).toBe(
      "officer-zhao 提交申请：申请 #7，草稿 → 已提交",
    );
    expect(auditSentence({ actor: "officer-zhao", change: { op: "budget.set", year: 2025, amount: "300000000.00" } }, "zh")).toBe(
      "officer-zhao 设定预算：2025 年度，¥300,000,000.00",
    );
    expect(auditSentence({ actor: "data-bureau", change: { op: "apply_free.propose", measure: "04", year: 2025, applications: [1, 2, 3, 4, 5, 6, 7] } }, "zh")).toBe(
      "data-bureau 生成免申即享建议：申请 #1、#2、#3、#4、#5 等 7 件，措施 04，2025 年度",
    );
  });

  test("a master-data change names its kind in words, not its code", () => {
    expect(auditSentence({ actor: "shuju-wu", change: { op: "enterprise.change.approve", credit_code: "91110105Y00000000G", kind: "change" } }, "zh")).toBe(
      "shuju-wu 核准企业主数据变更：企业 91110105Y00000000G，类别 已登记企业信息变更",
    );
    expect(auditSentence({ actor: "shuju-wu", change: { op: "enterprise.change.reject", credit_code: "91110105Y00000000G", kind: "new" } }, "en")).toContain("kind new enterprise");
    // Elsewhere a kind of that name is left as it is.
    expect(auditSentence({ actor: "x", change: { op: "future.thing", kind: "new" } }, "zh")).toBe("x future.thing：类别 new");
  });

  test("an unknown op is named by its code, and a change that is not JSON by none", () => {
    expect(auditSentence({ actor: "x", change: { op: "future.thing", application: 1 } }, "zh")).toBe("x future.thing：申请 #1");
    expect(auditSentence({ actor: "x", change: "not json" }, "zh")).toBe("x 其他操作");
  });
});
