import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { refusalText } from "./refusals";

describe("a refusal of the server in words", () => {
  test("a step in the wrong state, with the states and the step in Chinese and English", () => {
    const p = { application: "12", state: "draft", action: "decide", needs: "in_review" };
    expect(refusalText("wrong_state", p, "zh")).toBe("申请 #12 当前为“草稿”，不能作出决定（须为“评审中”）。");
    expect(refusalText("wrong_state", p, "en")).toBe("Application #12 is draft: it cannot be decided (it must be in review).");
    const two = { application: "3", state: "decided", action: "start_review", needs: "submitted,in_review" };
    expect(refusalText("wrong_state", two, "zh")).toBe("申请 #3 当前为“已决定”，不能组织评审（须为“已提交、评审中”）。");
    expect(refusalText("wrong_state", { ...p, action: "fly" }, "zh")).toBeNull();
  });

  test("the store's blockers, as the application's waiting words them", () => {
    expect(refusalText("reviews_pending", { application: "5", reviewers: "rev-li, rev-wang" }, "zh")).toBe(
      "暂不能作出决定：评审专家 rev-li、rev-wang 尚未提交评审意见。",
    );
    expect(refusalText("notice_running", { until: "2025-07-08", final_from: "2025-07-09", today: "2025-07-03" }, "en")).toBe(
      "Cannot finalise yet: the notice runs until 2025-07-08; final from 2025-07-09 (the server's date in Beijing is 2025-07-03).",
    );
    expect(refusalText("objection_open", { objection: "7" }, "zh")).toBe("暂不能批复：异议 7 尚未处理。");
  });

  test("separation of duties names who and what", () => {
    expect(refusalText("decider_pays", { actor: "officer-zhao", application: "9" }, "zh")).toBe(
      "职责分离：officer-zhao 对申请 #9 作出了决定，不得登记或复核其拨付，须由另一名财务人员办理。",
    );
    expect(refusalText("recorder_approves", { actor: "caiwu-sun", order: "4" }, "en")).toBe(
      "Separation of duties: caiwu-sun recorded payment order 4; a second finance account approves or rejects it.",
    );
    expect(refusalText("role_may_not", { role: "data-bureau", method: "POST", path: "/api/x" }, "zh")).toBe("当前角色（数据局）无权进行此操作。");
  });

  test("a figure an authority gives, refused in an enterprise's upload, names who gives it", () => {
    const p = { given_by: "the district industry office", given_by_zh: "区行业主管部门" };
    expect(refusalText("official_only", p, "zh")).toBe("该数据由区行业主管部门认定并经数据局报送，企业不能自行报送");
    expect(refusalText("official_only", p, "en")).toBe("This figure is given by the district industry office through the data bureau: an enterprise does not declare it");
    // Without a giver: the declared trade's flag, as before.
    expect(refusalText("official_only", {}, "zh")).toMatch(/^依法设立的交易机构交易只能由交易机构的官方数据认定/);
  });

  test("money in a refusal reads as money", () => {
    const p = { application: "8", amount: "1500000.01", payable: "1500000.00", decided: "2000000.00", paid: "0.00", pending: "0.00" };
    expect(refusalText("payment_exceeds", p, "zh")).toBe(
      "申请 #8 本次拨付 ¥1,500,000.01 超过可拨付金额 ¥1,500,000.00（决定金额 ¥2,000,000.00；已拨付 ¥0.00，待复核 ¥0.00）。",
    );
    expect(refusalText("voucher_used", { reference: "V-1", year: "2025", application: "3", instalment: "1" }, "en")).toBe(
      "Voucher V-1 already paid instalment 1 of application #3 in 2025: one voucher pays once.",
    );
  });

  test("a thing already decided, by whom", () => {
    expect(refusalText("already_decided", { what: "payment_order", id: "4", state: "rejected", by: "caiwu-liu" }, "zh")).toBe(
      "拨付单 4 已由 caiwu-liu 办理（已驳回），不能再次办理。",
    );
    expect(refusalText("application_exists", { credit_code: "X", measure: "03", year: "2025" }, "en")).toBe(
      "The enterprise already has an application for measure 03 (this item and project) in 2025.",
    );
  });

  test("a field that cannot be read, by its rule and figures", () => {
    expect(refusalText("not_money", {}, "zh")).toBe("请填写以元为单位的金额，如 1250.50：只含数字，最多两位小数，不带符号或空格");
    expect(refusalText("not_one_of", { allowed: "seller, buyer", got: "卖" }, "zh")).toBe("请从以下选项中选择：seller、buyer");
    expect(refusalText("password_too_short", { min: "12" }, "zh")).toBe("密码至少 12 个字符");
    expect(refusalText("password_too_short", { min: "12" }, "en")).toBe("A password has at least 12 characters");
    expect(refusalText("unknown_field", { suggestion: "assessed" }, "zh")).toBe("不是本项可填写的内容，是否应为“assessed”？");
    expect(refusalText("unknown_field", {}, "en")).toBe("Not a field this takes");
    expect(refusalText("bad_credit_code", { length: "17" }, "zh")).toBe("统一社会信用代码无效：应为 18 位，且校验码正确（当前 17 位）");
  });

  test("every reason docs/http-api.md lists is worded in both languages", () => {
    const doc = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");
    const errors = doc.slice(doc.indexOf("## Errors"), doc.indexOf("## Routes"));
    const reasons = new Set<string>();
    for (const row of errors.split("\n").filter((l) => /^\| `[a-z_]+`/.test(l))) {
      const first = row.split("|")[1];
      for (const m of first.matchAll(/`([a-z_]+)`/g)) reasons.add(m[1]);
    }
    const codes = new Set(["invalid_argument", "out_of_range", "not_found", "method_not_allowed", "payload_too_large", "unsupported_media_type", "already_exists", "conflict", "failed_precondition", "unauthenticated", "permission_denied", "too_many_requests", "unavailable", "internal"]);
    const figures: Record<string, Record<string, string>> = {
      wrong_state: { application: "1", state: "draft", action: "decide", needs: "in_review" },
      already_decided: { what: "payment_order", id: "1", state: "approved", by: "x" },
    };
    // The rules of an evidence file's rows, listed in prose under POST /api/evidence/{kind}.
    const upload = doc.slice(doc.indexOf("name what the row broke"));
    const rules = upload.slice(0, upload.indexOf("); 400")).match(/`([a-z_]+)`/g) ?? [];
    const params = new Set(["expected", "got", "credit_code", "change", "fields", "line", "policy"]);
    for (const r of rules) if (!params.has(r.slice(1, -1))) reasons.add(r.slice(1, -1));
    expect(reasons.has("duplicate_key")).toBe(true);
    const words = [...reasons].filter((r) => !codes.has(r));
    expect(words.length).toBeGreaterThan(40);
    for (const r of words) {
      for (const l of ["zh", "en"] as const) expect(refusalText(r, figures[r] ?? {}, l), `${r} (${l})`).toBeTruthy();
    }
  });

  test("a reason the page does not know is not guessed", () => {
    expect(refusalText("something_new", {}, "zh")).toBeNull();
  });
});
