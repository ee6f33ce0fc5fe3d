// The engine writes each award's reason ("why") in English. For the Chinese
// interface the known reason forms are rendered in Chinese here, clause by
// clause ("; " separates the engine's clauses); a form not known here is shown
// as the engine wrote it, so nothing is ever hidden or guessed. Amounts inside
// a reason are formatted from their exact strings.

import { formatYuan } from "./money";
import { EXPORT_ROUTES } from "./terms";

const M = "(\\d+\\.\\d{2})"; // a money string in a reason
const N = "(\\d+)";
const R = "(\\d+(?:\\.\\d+)?%)";

type Rule = [RegExp, (...g: string[]) => string];

const y = formatYuan;

const RULES: Rule[] = [
  [re(`assessed amount ${M}`), (a) => `评审核定金额 ${y(a)}`],
  [re(`${R} of trading volume ${M}`), (r, v) => `交易额 ${y(v)} 的 ${r}`],
  [re(`${R} of filed trading volume ${M}`), (r, v) => `登记备案交易额 ${y(v)} 的 ${r}`],
  [
    re(`${R} of investment ${M} less civil construction ${M}`),
    (r, i, c) => `投资额 ${y(i)} 扣除土建投资 ${y(c)} 后的 ${r}`,
  ],
  [re(`${N} listed data products > ${N}`), (n, m) => `数据产品挂牌 ${n} 个，超过 ${m} 个`],
  [re(`${N} listed data products <= ${N}`), (n, m) => `数据产品挂牌 ${n} 个，未超过 ${m} 个`],
  [re(`${N} data element registration certificates > ${N}`), (n, m) => `数据要素登记证书 ${n} 张，超过 ${m} 张`],
  [re(`${N} data element registration certificates <= ${N}`), (n, m) => `数据要素登记证书 ${n} 张，未超过 ${m} 张`],
  [re("not first-time inclusion of data assets in financial statements"), () => "非首次数据资产入表"],
  [
    re(`first-time inclusion of data assets in financial statements and data assets included in financial statements ${M} > ${M}`),
    (a, b) => `首次数据资产入表，入表金额 ${y(a)} 超过 ${y(b)}`,
  ],
  [re(`data assets included in financial statements ${M} <= ${M}`), (a, b) => `数据资产入表金额 ${y(a)} 未超过 ${y(b)}`],
  [re("no first compliant data export this year"), () => "本年度未首次实现数据合规出境"],
  [
    re("no lawful export route \\(security assessment, standard contract filing or PI certification\\)"),
    () => "无合规出境方式（数据出境安全评估、个人信息出境标准合同备案或个人信息保护认证）",
  ],
  [re("first compliant data export by (\\w+)"), (r) => `通过${EXPORT_ROUTES[r]?.zh ?? r}首次实现数据合规出境`],
  [re("no filed trading volume"), () => "无场外交易登记备案交易额"],
  [re("no trading volume at legally established institutions"), () => "无在依法设立的数据交易机构的交易额"],
  [
    re(`excluded: project (\\S+) is supported under measure (\\d+) with a higher award \\(${M}\\); one project, one measure`),
    (p, m, a) => `不予支持：项目 ${p} 已按第 ${m} 项获得更高支持（${y(a)}），就高不重复`,
  ],
  [
    re(`support period over: ${N} years from the first award in ${N} ended in ${N}`),
    (n, f, e) => `支持期已满：自 ${f} 年首次支持起 ${n} 年，已于 ${e} 年结束`,
  ],
  [re(`already awarded in ${N}; paid once per enterprise`), (yr) => `已于 ${yr} 年获得，每家企业限一次`],
  [re(`already awarded in ${N}; paid once per project \\((\\S+)\\)`), (yr, p) => `已于 ${yr} 年获得，每个项目限一次（${p}）`],
  [re(`already awarded in ${N}; paid once per solution \\((\\S+)\\)`), (yr, p) => `已于 ${yr} 年获得，每个方案限一次（${p}）`],
  [re(`already awarded in ${N}; paid once per condition \\((\\S+)\\)`), (yr, p) => `已于 ${yr} 年获得，每项条件限一次（${p}）`],
  [re(`already decided for ${N} by another decision`), (yr) => `${yr} 年已由其他决定核定`],
  [re("decided once a year from the year's facts"), () => "免申项目每年依当年数据核定一次"],
  [re(`already taken: (.+)`), (list) => `已占用：${list.split(", ").map(taken).join("，")}`],
  [
    re(`total of milestone \\+ trading \\+ filing capped at ${M} per year`),
    (c) => `挂牌登记入表奖励、交易支持和备案支持年度合计不超过 ${y(c)}`,
  ],
  [
    re(`total over the support period capped at ${M},? of which ${M} was paid in earlier years`),
    (c, p) => `支持期内总额不超过 ${y(c)}，以前年度已支持 ${y(p)}`,
  ],
  [
    re(`scaled pro rata to the budget of ${M} \\(awards ${M}\\)`),
    (b, a) => `按年度预算 ${y(b)} 按比例核减（核定总额 ${y(a)}）`,
  ],
  [
    re(`national or municipal support of ${M} prevails; the district pays the difference`),
    (a) => `国家或市级已支持 ${y(a)}，区级只补差额`,
  ],
  [
    re(`awarded in each of the ${N} preceding years \\(${N}-${N}\\); at most ${N} consecutive years`),
    (n, a, b, m) => `前 ${n} 年（${a}—${b} 年）均已获支持，最多连续支持 ${m} 年`,
  ],
  [re(`capped at ${M} per year`), (c) => `每年不超过 ${y(c)}`],
  [re(`capped at ${M} per project`), (c) => `每个项目不超过 ${y(c)}`],
  [re(`capped at ${M} per claim`), (c) => `每项申报不超过 ${y(c)}`],
  [re(`capped at ${M} per solution`), (c) => `每个方案不超过 ${y(c)}`],
  [re(`capped at ${M} per enterprise`), (c) => `每家企业不超过 ${y(c)}`],
  [re(`capped at ${M} per project per year`), (c) => `每个项目每年不超过 ${y(c)}`],
  [
    re(`excluded: the project already has national or municipal support of ${M}`),
    (a) => `不予支持：该项目已获国家或市级支持 ${y(a)}`,
  ],
  [re(`the computed amount is ${M} \\(${M} \\* ${R}\\)`), (a, b, r) => `计算金额为 ${y(a)}（${y(b)} × ${r}）`],
  [re("the platform is not completed and in operation"), () => "平台尚未建成并投入运营"],
  [
    re("only the designated exchange \\(Beijing International Data Exchange\\) qualifies"),
    () => "仅限指定数据交易所（北京国际大数据交易所）",
  ],
  [re("not an enterprise in a park built jointly with district departments"), () => "不是与区政府部门共建园区内的企业"],
  [re("not an operational service agency of a park"), () => "不是园区运营服务机构"],
  [re("not a major innovation platform or industry organisation"), () => "不是重大创新平台或行业组织"],
  [re("not a data vendor or professional service agency"), () => "不是数商或专业服务机构"],
  [
    re("not a data-element-intensive enterprise, data vendor, data security service enterprise or key enterprise"),
    () => "不是数据要素密集型企业、数商、数据安全服务企业或重点企业",
  ],
  [re("no investment beyond civil construction"), () => "扣除土建投资后无投资额"],
  [re("not registered in Chaoyang District"), () => "未在朝阳区注册"],
  [re("not taxed in Chaoyang District"), () => "未在朝阳区纳税"],
  [re("not an independent legal person"), () => "不具有独立法人资格"],
  [re("has a serious-dishonesty record"), () => "有严重失信记录"],
];

// One part of "already taken: A by ..., B by ...": what another line or an
// award already made took of the same limit.
function taken(part: string): string {
  let m = new RegExp(`^${M} by awards of earlier years$`).exec(part);
  if (m) return `以前年度 ${y(m[1])}`;
  m = new RegExp(`^${M} by other decisions of ${N}$`).exec(part);
  if (m) return `${m[2]} 年其他决定 ${y(m[1])}`;
  m = new RegExp(`^${M} by claim ${N}$`).exec(part);
  if (m) return `申报 ${m[2]} ${y(m[1])}`;
  m = new RegExp(`^${M} by (\\d+) (\\w+)(?: \\((\\w+)\\))?$`).exec(part);
  if (m) return `第 ${m[2]} 项 ${m[3]}${m[4] ? `（${m[4]}）` : ""} ${y(m[1])}`;
  return part;
}

function re(body: string): RegExp {
  return new RegExp(`^${body}$`);
}

function clause(part: string): string | null {
  for (const [pattern, render] of RULES) {
    const m = pattern.exec(part);
    if (m) return render(...m.slice(1));
  }
  return null;
}

/**
 * The reason in Chinese, or null when some part of it has no known Chinese
 * form (the caller then shows the engine's English text).
 */
export function reasonZh(why: string): string | null {
  let prefix = "";
  let body = why;
  if (body.startsWith("ineligible applicant: ")) {
    prefix = "不符合基本条件：";
    body = body.slice("ineligible applicant: ".length);
  }
  const parts = body.split("; ");
  const out: string[] = [];
  // "already awarded in 2024; paid once per enterprise" is one clause with a
  // "; " inside it: try joining a part with the next before giving up.
  for (let i = 0; i < parts.length; i++) {
    const one = clause(parts[i]);
    if (one !== null) {
      out.push(one);
      continue;
    }
    if (i + 1 < parts.length) {
      const two = clause(`${parts[i]}; ${parts[i + 1]}`);
      if (two !== null) {
        out.push(two);
        i++;
        continue;
      }
    }
    return null;
  }
  return prefix + out.join("；");
}
