import { describe, expect, test } from "vitest";
import { waitingText } from "./waiting";

describe("why a step waits", () => {
  test("each code of the server in Chinese, with its parameters", () => {
    expect(waitingText({ code: "reviews_pending", reviewers: ["rev-li", "rev-wang"] }, "zh")).toBe(
      "暂不能作出决定：评审专家 rev-li、rev-wang 尚未提交评审意见。",
    );
    expect(waitingText({ code: "reviewers_all_excluded" }, "zh")).toBe("暂不能作出决定：全部评审专家均已回避，请重新指派评审专家。");
    expect(waitingText({ code: "notice_running", until: "2025-07-08", final_from: "2025-07-09", today: "2025-07-03" }, "zh")).toBe(
      "暂不能批复：公示期至 2025-07-08，自 2025-07-09 起方可批复（服务器北京时间今日为 2025-07-03）。",
    );
    expect(waitingText({ code: "objection_open", objection: 7 }, "zh")).toBe("暂不能批复：异议 7 尚未处理。");
    expect(waitingText(undefined, "zh")).toBeNull();
  });

  test("and in English", () => {
    expect(waitingText({ code: "reviews_pending", reviewers: ["bob", "carol"] }, "en")).toBe(
      "Cannot decide yet: waiting for the review of bob, carol.",
    );
    expect(waitingText({ code: "objection_open", objection: 7 }, "en")).toBe("Cannot finalise yet: objection 7 is open.");
  });
});
