// Every string the application shows, in Simplified Chinese (the default) and
// English. The English table is typed by the Chinese one, so a key missing in
// either language is a compile error. Terms follow the Chinese/English table of
// policy/INTERPRETATION.md.

export type Lang = "zh" | "en";

const zh = {
  "app.name": "朝阳区数据要素产业政策兑现",
  "app.short": "数据要素政策",
  "app.skip": "跳到主要内容",
  "nav.home": "首页",
  "nav.calculator": "政策计算器",
  "nav.policy": "政策条文与规则",
  "nav.label": "主导航",
  "lang.switch": "English",
  "lang.switch.label": "切换到英文",
  "footer.text": "bursar：政策即代码。每一笔金额精确到分，并注明所依据的条款。",
  "footer.policy": "政策版本",
  "loading": "正在加载…",
  "error.network": "无法连接服务器，请稍后再试。",
  "error.generic": "出错了：",
  "notfound.title": "页面不存在",
  "notfound.body": "没有找到这个页面。",
  "notfound.home": "返回首页",

  "home.title": "朝阳区支持数据要素产业发展若干措施",
  "home.lead":
    "朝阳区数据局以 11 项支持措施扶持数据要素产业：数据交易所建设、数据基础设施、数据要素服务、数据产品挂牌与交易、数据跨境流动、创新平台、重大项目、产业园区、关键技术研发、高质量数据集和数据应用场景。",
  "home.how.title": "本系统如何计算",
  "home.how.1": "每一项支持都按政策条文写成规则，条文与规则并排可查。",
  "home.how.2": "第 04 项（数据要素流通交易）和第 05 项（数据跨境流动）按企业当年数据直接计算，免申即享。",
  "home.how.3": "其余措施需经综合评价确定核定金额，系统据此适用上限、支持期和就高不重复等规则。",
  "home.how.4": "金额一律精确到分，向下取整；每一笔都注明条款和理由。",
  "home.cta.calculator": "打开政策计算器",
  "home.cta.calculator.desc": "填写企业当年的情况，立即看到可获得的每一笔支持、理由和条款原文。无需登录。",
  "home.cta.policy": "查看政策条文与规则",
  "home.cta.policy.desc": "逐项对照每条措施的条文和实现它的规则，以及每个参数的出处。",
  "home.measures.title": "11 项支持措施",
  "home.measures.applyfree": "免申即享",
  "home.measures.assessed": "综合评价",
  "home.eligibility.title": "谁可以申请",
  "home.eligibility.body":
    "在朝阳区注册并纳税、具有独立法人资格、无严重失信记录的数据要素企业，以及科研院所、社会组织、创业服务机构和园区投资建设运营企业等创新主体（条款 [R.1]）。",

  "calc.title": "政策计算器",
  "calc.lead": "填写企业在一个年度的情况，计算可获得的支持。计算结果仅供参考，以正式公示和批复为准。",
  "calc.applicant": "申请主体",
  "calc.year": "年度",
  "calc.id": "统一社会信用代码",
  "calc.id.hint": "18 位，末位为校验码",
  "calc.name": "企业名称",
  "calc.eligibility": "基本条件",
  "calc.flag.registered_in_chaoyang": "在朝阳区注册",
  "calc.flag.taxed_in_chaoyang": "在朝阳区纳税",
  "calc.flag.independent_legal_person": "具有独立法人资格",
  "calc.flag.serious_dishonesty_record": "有严重失信记录",
  "calc.tags": "主体类型（可多选）",
  "calc.facts": "本年度数据",
  "calc.facts.hint": "数量为年末累计数；交易额为本年度数额。金额以元为单位，最多两位小数，不带逗号。留空视为零。",
  "calc.claims": "申报事项（需综合评价的措施）",
  "calc.claims.hint":
    "第 04、05 项免申即享，无需申报。其他措施填写评审核定金额；第 11 项场景项目填写投资额和土建投资。",
  "calc.claims.none": "尚未添加申报事项。",
  "calc.claim.n": "申报事项 {n}",
  "calc.claim.add": "添加申报事项",
  "calc.claim.remove": "删除申报事项 {n}",
  "calc.claim.measure": "措施",
  "calc.claim.item": "支持事项",
  "calc.claim.assessed": "核定金额（元）",
  "calc.claim.project": "项目编号",
  "calc.claim.investment": "投资额（元）",
  "calc.claim.civil_construction": "其中土建投资（元）",
  "calc.claim.external_support": "国家和市级已支持金额（元）",
  "calc.submit": "计算",
  "calc.submitting": "正在计算…",
  "calc.example": "填入示例数据",
  "calc.reset": "清空",
  "calc.refused": "输入有误，请修改标出的字段。",
  "calc.refused.field": "该项有误：",
  "calc.result": "计算结果",
  "calc.total": "合计可获支持",
  "calc.ineligible": "不符合基本条件，不能获得支持。",
  "calc.awards": "可获得的支持",
  "calc.awards.none": "按所填情况，暂无可获得的支持。",
  "calc.notawarded": "未获支持的事项及原因",
  "calc.col.measure": "措施",
  "calc.col.item": "事项",
  "calc.col.amount": "金额",
  "calc.col.why": "理由",
  "calc.col.clause": "条款",
  "calc.computed": "计算金额 {computed}，核减 {reduction}",
  "calc.project": "项目 {project}",
  "calc.clause.show": "条款原文",
  "calc.decision": "认定口径 {label}",
  "calc.chart": "按措施汇总",
  "calc.chart.desc": "各措施可获支持金额（万元）",
  "calc.policy": "依据政策 {id} 版本 {version}",
  "calc.trace": "计算过程",
  "calc.trace.step": "步骤",
  "calc.trace.expression": "表达式",
  "calc.trace.values": "代入数值",
  "calc.trace.result": "结果",
  "calc.original": "引擎原文：",
  "calc.export.none": "无",
  "calc.yes": "是",
  "calc.no": "否",

  "policy.title": "政策条文与规则",
  "policy.lead": "每条措施的条文与实现它的规则并排显示，便于逐条核对。条文为官方发布的英文版本。",
  "policy.measures": "措施",
  "policy.params": "参数及出处",
  "policy.param.name": "参数",
  "policy.param.desc": "含义",
  "policy.param.value": "取值",
  "policy.param.cites": "出处",
  "policy.param.from": "自 {from} 起",
  "policy.text": "条文",
  "policy.rule": "规则",
  "policy.decisions": "认定口径",
  "policy.source": "规则源文件 {file}",
  "policy.digest": "政策摘要",
  "policy.open": "查看条文与规则",
  "policy.back": "返回全部措施",
  "policy.items": "支持事项",
  "policy.by.facts": "按数据计算（免申即享）",
  "policy.by.claim": "需申报，综合评价",
} as const;

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  "app.name": "Chaoyang Data Element Industry Support",
  "app.short": "Data element support",
  "app.skip": "Skip to main content",
  "nav.home": "Home",
  "nav.calculator": "Policy calculator",
  "nav.policy": "Policy text and rules",
  "nav.label": "Main navigation",
  "lang.switch": "中文",
  "lang.switch.label": "Switch to Chinese",
  "footer.text": "bursar: policy as code. Every amount exact to the fen, with the clause that grants it.",
  "footer.policy": "Policy version",
  "loading": "Loading…",
  "error.network": "The server cannot be reached; please try again later.",
  "error.generic": "Something went wrong: ",
  "notfound.title": "Page not found",
  "notfound.body": "There is no page at this address.",
  "notfound.home": "Back to the home page",

  "home.title": "Measures for Supporting the Development of the Data Element Industry in Chaoyang District",
  "home.lead":
    "The Chaoyang District Data Bureau supports the data element industry through 11 measures: the data exchange, data infrastructure, data element services, product listing and trading, cross-border data flow, innovation platforms, major projects, industry parks, key R&D, high-quality datasets and data application scenarios.",
  "home.how.title": "How this system decides",
  "home.how.1": "Each measure is written as rules beside the clause text, so one can be checked against the other.",
  "home.how.2":
    "Measures 04 (circulation and trading) and 05 (cross-border data flow) are computed from the year's figures: apply-free, enjoy directly.",
  "home.how.3":
    "The other measures need an amount assessed by comprehensive evaluation; the system then applies the caps, support periods and the highest-award-only rule.",
  "home.how.4": "Every amount is exact to the fen, rounded down, and cites its clause and reason.",
  "home.cta.calculator": "Open the policy calculator",
  "home.cta.calculator.desc":
    "Enter an enterprise's figures for a year and see every award, its reason and the clause text. No login.",
  "home.cta.policy": "Read the policy text and rules",
  "home.cta.policy.desc": "Each measure's text beside the rule that implements it, and where every parameter comes from.",
  "home.measures.title": "The 11 support measures",
  "home.measures.applyfree": "apply-free",
  "home.measures.assessed": "comprehensive evaluation",
  "home.eligibility.title": "Who may apply",
  "home.eligibility.body":
    "Data element enterprises registered and taxed in Chaoyang District, with independent legal person status and no serious-dishonesty record, and innovative entities such as research institutions, social organisations, startup service agencies and park companies (clause [R.1]).",

  "calc.title": "Policy calculator",
  "calc.lead":
    "Enter an enterprise's situation for one year and compute the support it could receive. For reference only: the public notice and the approval decide.",
  "calc.applicant": "Applicant",
  "calc.year": "Year",
  "calc.id": "Unified social credit code",
  "calc.id.hint": "18 characters, the last a check character",
  "calc.name": "Enterprise name",
  "calc.eligibility": "Basic conditions",
  "calc.flag.registered_in_chaoyang": "Registered in Chaoyang District",
  "calc.flag.taxed_in_chaoyang": "Taxed in Chaoyang District",
  "calc.flag.independent_legal_person": "Independent legal person",
  "calc.flag.serious_dishonesty_record": "Has a serious-dishonesty record",
  "calc.tags": "Kind of applicant (any that apply)",
  "calc.facts": "This year's figures",
  "calc.facts.hint":
    "Counts are cumulative at year end; volumes are the year's. Amounts in yuan, at most two decimals, no commas. Empty means zero.",
  "calc.claims": "Applications (measures decided by comprehensive evaluation)",
  "calc.claims.hint":
    "Measures 04 and 05 are apply-free and need no application. For the others enter the assessed amount; for measure 11 scenario projects enter the investment and civil construction.",
  "calc.claims.none": "No applications added.",
  "calc.claim.n": "Application {n}",
  "calc.claim.add": "Add an application",
  "calc.claim.remove": "Remove application {n}",
  "calc.claim.measure": "Measure",
  "calc.claim.item": "Item",
  "calc.claim.assessed": "Assessed amount (yuan)",
  "calc.claim.project": "Project id",
  "calc.claim.investment": "Investment (yuan)",
  "calc.claim.civil_construction": "Of which civil construction (yuan)",
  "calc.claim.external_support": "National and municipal support already given (yuan)",
  "calc.submit": "Calculate",
  "calc.submitting": "Calculating…",
  "calc.example": "Fill in an example",
  "calc.reset": "Clear",
  "calc.refused": "Some input was refused; please correct the marked fields.",
  "calc.refused.field": "Refused: ",
  "calc.result": "Result",
  "calc.total": "Total support",
  "calc.ineligible": "The basic conditions are not met, so no support can be given.",
  "calc.awards": "Support awarded",
  "calc.awards.none": "With these figures, no support is awarded.",
  "calc.notawarded": "Not awarded, and why",
  "calc.col.measure": "Measure",
  "calc.col.item": "Item",
  "calc.col.amount": "Amount",
  "calc.col.why": "Reason",
  "calc.col.clause": "Clause",
  "calc.computed": "computed {computed}, reduced by {reduction}",
  "calc.project": "project {project}",
  "calc.clause.show": "clause text",
  "calc.decision": "reading {label}",
  "calc.chart": "By measure",
  "calc.chart.desc": "Support by measure (10,000 yuan)",
  "calc.policy": "Policy {id}, version {version}",
  "calc.trace": "How it was computed",
  "calc.trace.step": "Step",
  "calc.trace.expression": "Expression",
  "calc.trace.values": "Values",
  "calc.trace.result": "Result",
  "calc.original": "Engine text: ",
  "calc.export.none": "none",
  "calc.yes": "yes",
  "calc.no": "no",

  "policy.title": "Policy text and rules",
  "policy.lead":
    "Each measure's text beside the rules that implement it, so they can be checked one against the other. The text is the officially published English version.",
  "policy.measures": "Measures",
  "policy.params": "Parameters and their sources",
  "policy.param.name": "Parameter",
  "policy.param.desc": "Meaning",
  "policy.param.value": "Value",
  "policy.param.cites": "Source",
  "policy.param.from": "from {from}",
  "policy.text": "Clause text",
  "policy.rule": "Rules",
  "policy.decisions": "Decided readings",
  "policy.source": "Rule source {file}",
  "policy.digest": "Policy digest",
  "policy.open": "Text and rules",
  "policy.back": "All measures",
  "policy.items": "Items",
  "policy.by.facts": "from the figures (apply-free)",
  "policy.by.claim": "by application, comprehensive evaluation",
};

export const messages: Record<Lang, Record<Key, string>> = { zh, en };

const STORAGE_KEY = "bursar.lang";
let current: Lang = readStoredLang();
const listeners: Array<() => void> = [];

function readStoredLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === "en" || v === "zh") return v;
  } catch {
    // storage unavailable (privacy mode): Chinese, the default
  }
  return "zh";
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): void {
  listeners.push(f);
}

/** The string for key in the current language, with {name} placeholders filled. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  return messages[current][key].replace(/\{(\w+)\}/g, (_, name: string) =>
    name in params ? String(params[name]) : `{${name}}`,
  );
}

/** A pair of strings chosen by the current language. */
export function pick(pair: { zh: string; en: string }): string {
  return pair[current];
}
