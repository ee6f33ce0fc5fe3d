import { describe, expect, it } from "vitest";
import { reasonZh } from "./reasons";

describe("reasons in Chinese", () => {
  it("renders the engine's reason forms with exact amounts", () => {
    expect(reasonZh("5% of trading volume 8000000.00")).toBe("交易额 ¥8,000,000.00 的 5%");
    expect(reasonZh("assessed amount 4200000.00")).toBe("评审核定金额 ¥4,200,000.00");
    expect(reasonZh("30% of investment 12000000.00 less civil construction 3000000.00")).toBe(
      "投资额 ¥12,000,000.00 扣除土建投资 ¥3,000,000.00 后的 30%",
    );
    expect(reasonZh("first compliant data export by standard_contract")).toBe(
      "通过个人信息出境标准合同备案首次实现数据合规出境",
    );
  });
  it("renders every clause of a compound reason", () => {
    expect(
      reasonZh(
        "50 listed data products <= 50; 2 data element registration certificates <= 5; not first-time inclusion of data assets in financial statements",
      ),
    ).toBe("数据产品挂牌 50 个，未超过 50 个；数据要素登记证书 2 张，未超过 5 张；非首次数据资产入表");
    expect(reasonZh("ineligible applicant: not taxed in Chaoyang District; has a serious-dishonesty record")).toBe(
      "不符合基本条件：未在朝阳区纳税；有严重失信记录",
    );
    expect(reasonZh("already awarded in 2024; paid once per enterprise")).toBe("已于 2024 年获得，每家企业限一次");
  });
  it("renders caps and reductions", () => {
    expect(reasonZh("capped at 5000000.00 per year")).toBe("每年不超过 ¥5,000,000.00");
    expect(reasonZh("the computed amount is 0.00 (0.19 * 5%)")).toBe("计算金额为 ¥0.00（¥0.19 × 5%）");
    expect(reasonZh("scaled pro rata to the budget of 1000000.00 (awards 2000000.00)")).toBe(
      "按年度预算 ¥1,000,000.00 按比例核减（核定总额 ¥2,000,000.00）",
    );
  });
  it("renders what other lines and earlier decisions took of a limit", () => {
    expect(reasonZh("capped at 5000000.00 per year; already taken: 1000000.00 by other decisions of 2025")).toBe(
      "每年不超过 ¥5,000,000.00；已占用：2025 年其他决定 ¥1,000,000.00",
    );
    expect(
      reasonZh(
        "total of milestone + trading + filing capped at 2000000.00 per year; already taken: 500000.00 by 04 milestone, 1500000.00 by 04 trading",
      ),
    ).toBe("挂牌登记入表奖励、交易支持和备案支持年度合计不超过 ¥2,000,000.00；已占用：第 04 项 milestone ¥500,000.00，第 04 项 trading ¥1,500,000.00");
    expect(reasonZh("capped at 500000.00 per solution; already taken: 300000.00 by claim 0")).toBe(
      "每个方案不超过 ¥500,000.00；已占用：申报 0 ¥300,000.00",
    );
    expect(reasonZh("already decided for 2025 by another decision; decided once a year from the year's facts")).toBe(
      "2025 年已由其他决定核定；免申项目每年依当年数据核定一次",
    );
  });
  it("gives up on a form it does not know rather than guess", () => {
    expect(reasonZh("something new the engine says")).toBeNull();
    expect(reasonZh("no filed trading volume; something new")).toBeNull();
  });
});
