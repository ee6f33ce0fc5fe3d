// The policy's own vocabulary in both languages: measure and item titles, the
// applicant tags, the facts of a year, parameters. Keys are the names the
// policy and the case format use (CASES.md). The English titles are the
// published ones; the Chinese are faithful translations using the terms of
// INTERPRETATION.md.

export interface Pair {
  zh: string;
  en: string;
}

export const MEASURES: Record<string, Pair & { applyFree: boolean }> = {
  "01": { zh: "支持国家级大数据交易所建设", en: "Support for the establishment of a National Big Data Exchange", applyFree: false },
  "02": { zh: "支持数据要素基础设施建设", en: "Support for the construction of data element infrastructure", applyFree: false },
  "03": { zh: "支持数据要素综合服务", en: "Support for comprehensive data element services", applyFree: false },
  "04": { zh: "支持数据要素流通交易", en: "Support for data element circulation and trading", applyFree: true },
  "05": { zh: "支持数据跨境流动", en: "Support for cross-border data flow", applyFree: true },
  "06": {
    zh: "支持重大创新平台和行业组织建设",
    en: "Support for the establishment of major innovation platforms and industry organizations",
    applyFree: false,
  },
  "07": {
    zh: "支持数据要素产业重大项目加快发展",
    en: "Support for the accelerated development of major projects in the data element industry",
    applyFree: false,
  },
  "08": {
    zh: "支持数据产业集聚园区和孵化平台建设",
    en: "Support for the construction of data industry cluster parks and incubation platforms",
    applyFree: false,
  },
  "09": { zh: "支持数据要素关键共性技术研发", en: "Support for key common technology R&D in data elements", applyFree: false },
  "10": { zh: "支持高质量数据集供给", en: "Support for high-quality dataset supply", applyFree: false },
  "11": { zh: "支持数据应用场景开放", en: "Support for the opening of data application scenarios", applyFree: false },
};

/** Items by measure, in the policy's order. */
export const ITEMS: Record<string, Record<string, Pair>> = {
  "01": { exchange: { zh: "国家级数据交易所建设支持", en: "support for the designated exchange" } },
  "02": { operation: { zh: "平台运营服务支持", en: "platform operation and service" } },
  "03": { services: { zh: "数据要素服务支持", en: "data element services" } },
  "04": {
    milestone: { zh: "挂牌、登记或入表奖励", en: "listing, registration or financial-statement milestone" },
    trading: { zh: "依法设立的数据交易机构交易支持", en: "data trading at legally established institutions" },
    filing: { zh: "场外交易登记备案支持", en: "registered and filed data trading" },
  },
  "05": { export: { zh: "首次合规数据出境", en: "first compliant data export" } },
  "06": { platform: { zh: "重大创新平台或行业组织", en: "innovation platform or industry organisation" } },
  "07": { major_project: { zh: "重大项目", en: "major project" } },
  "08": {
    park_enterprise: { zh: "共建园区内企业", en: "enterprise in a jointly built park" },
    park_operator: { zh: "园区运营服务机构", en: "operational service agency of a park" },
  },
  "09": { rd_project: { zh: "关键技术研发项目", en: "key R&D project" } },
  "10": { dataset: { zh: "高质量数据集", en: "high-quality dataset" } },
  "11": {
    scenario: { zh: "应用场景建设项目", en: "application scenario project" },
    benchmark: { zh: "标杆解决方案", en: "benchmark solution" },
  },
};

export const TAGS: Record<string, Pair> = {
  designated_exchange_operator: { zh: "指定数据交易所运营机构（北京国际大数据交易所）", en: "operator of the designated exchange (Beijing International Data Exchange)" },
  platform_operator: { zh: "数据基础设施平台运营方", en: "operator of a data infrastructure platform" },
  data_vendor: { zh: "数商", en: "data vendor" },
  professional_service_agency: { zh: "专业服务机构", en: "professional service agency" },
  innovation_platform: { zh: "重大创新平台", en: "major innovation platform" },
  industry_organization: { zh: "行业协会或组织", en: "industry association or organisation" },
  key_enterprise: { zh: "重点企业或重大项目", en: "key enterprise or major project of the industry" },
  park_enterprise: { zh: "与区政府部门共建园区内的企业", en: "enterprise in a park built jointly with district departments" },
  park_operator: { zh: "园区运营服务机构", en: "operational service agency of a park" },
  scenario_builder: { zh: "应用场景建设单位", en: "builder of application scenarios" },
  dataset_provider: { zh: "高质量数据集提供方", en: "provider of high-quality datasets" },
};

export type FactKind = "count" | "money" | "flag" | "route";

export const FACTS: Array<{ name: string; kind: FactKind } & Pair> = [
  { name: "listed_data_products", kind: "count", zh: "数据产品挂牌数量（累计）", en: "Listed data products (cumulative)" },
  { name: "registration_certificates", kind: "count", zh: "数据要素登记证书数量（累计）", en: "Data element registration certificates (cumulative)" },
  { name: "fs_inclusion_first_time", kind: "flag", zh: "本年度首次实现数据资产入表", en: "First inclusion of data assets in financial statements this year" },
  { name: "fs_inclusion_amount", kind: "money", zh: "数据资产入表金额（元）", en: "Data assets included in financial statements (yuan)" },
  { name: "exchange_trading_volume", kind: "money", zh: "在依法设立的数据交易机构的年度交易额（元）", en: "Trading volume at legally established data trading institutions (yuan)" },
  { name: "filed_trading_volume", kind: "money", zh: "场外交易登记备案年度交易额（元）", en: "Registered and filed trading volume (yuan)" },
  { name: "compliant_export_first_time", kind: "flag", zh: "本年度首次实现数据合规出境", en: "First compliant data export this year" },
  { name: "export_route", kind: "route", zh: "数据出境方式", en: "Data export route" },
  { name: "platform_in_operation", kind: "flag", zh: "平台已建成并投入运营", en: "Platform completed and in operation" },
];

export const EXPORT_ROUTES: Record<string, Pair> = {
  security_assessment: { zh: "数据出境安全评估", en: "security assessment for data export" },
  standard_contract: { zh: "个人信息出境标准合同备案", en: "standard contract filing" },
  pi_certification: { zh: "个人信息保护认证", en: "personal information protection certification" },
};

/** Parameters of the shipped policy, in Chinese; others show their English description. */
export const PARAMS_ZH: Record<string, string> = {
  rounding: "每笔支持金额的取整方式",
  rounding_unit: "取整单位",
  one_project_one_measure: "同一项目只享受一项措施支持（就高不重复）",
  external_support_rule: "国家和市级已支持同一项目时的处理",
  budget: "年度预算",
  budget_rule: "超出预算时的处理",
  cap_02: "平台运营服务年度支持上限",
  consecutive_limit_02: "最多连续支持年数",
  cap_03: "数据要素服务年度支持上限",
  milestone_award: "挂牌、登记或入表奖励金额",
  milestone_products: "数据产品挂牌数量须超过",
  milestone_certificates: "登记证书数量须超过",
  milestone_fs_amount: "首次入表金额须超过",
  milestone_once: "奖励次数口径",
  trading_rate: "年度交易额的支持比例",
  filing_rate: "年度登记备案交易额的支持比例",
  annual_cap_04: "第 04 项同一企业年度支持总额上限",
  export_award: "首次合规数据出境支持金额",
  cap_06: "创新平台年度支持上限",
  period_06: "支持期（年）",
  period_07: "重大项目支持期（年）",
  total_cap_07: "支持期内支持总额上限",
  period_07_key: "重点企业支持期（年）",
  total_cap_07_key: "重点企业支持期内支持总额上限",
  cap_08_enterprise: "园区企业年度支持上限",
  period_08_enterprise: "园区企业支持期（年）",
  cap_08_operator: "园区运营服务机构年度支持上限",
  cap_09: "单个研发项目支持上限",
  cap_10: "高质量数据集年度支持上限",
  scenario_rate: "扣除土建后投资额的支持比例",
  cap_11_scenario: "单个场景项目支持上限",
  cap_11_benchmark: "单个标杆解决方案支持上限",
};

/**
 * Measure ids in order. (Object.keys would put "10" and "11" first: keys that
 * look like array indices come before the others in JavaScript objects.)
 */
export const MEASURE_IDS: string[] = Object.keys(MEASURES).sort();

/**
 * The rubric of 综合评价 (comprehensive evaluation): each reviewer scores an
 * application 0–100 on each item. The store takes any item names; these are
 * the ones the web app asks for.
 */
export const RUBRIC: Record<string, Pair> = {
  effectiveness: { zh: "实施成效", en: "effectiveness" },
  compliance: { zh: "合规性", en: "compliance" },
  innovation: { zh: "创新性", en: "innovation" },
};

/** Evidence kinds of `POST /api/evidence/{kind}` (docs/store-schema.md). */
export const EVIDENCE: Record<string, Pair & { header: string }> = {
  enterprises: { zh: "企业基本信息", en: "enterprise profile", header: "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags" },
  listings: { zh: "数据产品挂牌", en: "data product listings", header: "exchange,listing_id,credit_code,product,type,listing_date,status" },
  certificates: { zh: "数据要素登记证书", en: "data element registration certificates", header: "platform,number,credit_code,resource,right,issue_date,valid_until,status" },
  fs_inclusions: { zh: "数据资产入表", en: "inclusion of data assets in financial statements", header: "credit_code,year,amount,first_time" },
  trades: { zh: "数据交易（依法设立的数据交易机构）", en: "data trades (legally established institutions)", header: "credit_code,exchange,trade_id,date,side,amount,legally_established" },
  filings: { zh: "场外交易登记备案", en: "registered and filed trading", header: "credit_code,filing_id,date,amount" },
  exports: { zh: "数据出境（合规路径）", en: "data export clearances", header: "route,number,credit_code,authority,date" },
  projects: { zh: "项目（投资额、土建投资）", en: "projects (investment, civil construction)", header: "credit_code,project_id,year,investment,civil_construction" },
  platforms: { zh: "平台建成与运营", en: "platform completion and operation", header: "credit_code,platform_id,name,completed_date,operation_start,operation_end" },
  // A figure of a programme run beside the served one (docs/store-schema.md, "Programmes"): offered only when the server runs one.
  figures: { zh: "其他政策的年度数据", en: "figures for another programme", header: "credit_code,policy,year,name,value" },
};

/**
 * What each column of an evidence file holds, for the sample file's legend.
 * Looked up as "kind.field" first (a column whose meaning depends on the
 * kind), then "field".
 */
export const EVIDENCE_COLUMNS: Record<string, Pair> = {
  credit_code: { zh: "统一社会信用代码（18 位，须为本企业的代码）", en: "unified social credit code (18 characters; your own enterprise's)" },
  // The data bureau's uploads name any enterprise; and the enterprise record's own columns.
  "official.credit_code": { zh: "统一社会信用代码（18 位）", en: "unified social credit code (18 characters)" },
  "enterprises.name": { zh: "企业名称（与营业执照一致）", en: "the enterprise's name (as on its business licence)" },
  registered_in_chaoyang: { zh: "是否在朝阳区注册：是 或 否", en: "registered in Chaoyang District: true or false" },
  taxed_in_chaoyang: { zh: "是否在朝阳区纳税：是 或 否", en: "taxed in Chaoyang District: true or false" },
  independent_legal_person: { zh: "是否具有独立法人资格：是 或 否", en: "an independent legal person: true or false" },
  serious_dishonesty_record: { zh: "是否有严重失信记录：是 或 否", en: "has a record of serious dishonesty: true or false" },
  "enterprises.tags": { zh: "主体类型代码，多个以分号（;）分隔，如 `data_vendor;platform_operator`；可为空", en: "tags separated by \";\", e.g. data_vendor;platform_operator; may be empty" },
  exchange: { zh: "依法设立的数据交易机构名称，如北京国际大数据交易所", en: "the legally established data trading institution, e.g. Beijing International Data Exchange" },
  listing_id: { zh: "挂牌编号（在该交易机构内唯一）", en: "listing number (unique at that exchange)" },
  product: { zh: "数据产品名称", en: "name of the data product" },
  type: { zh: "产品类型：dataset 数据集、api 数据接口、report 数据报告、service 数据服务、tool 数据工具", en: "product type: dataset, api, report, service or tool" },
  listing_date: { zh: "挂牌日期，格式如 2025-03-01", en: "listing date, YYYY-MM-DD" },
  "listings.status": { zh: "状态：listed 挂牌中、delisted 已摘牌、revoked 已撤销", en: "status: listed, delisted or revoked" },
  platform: { zh: "登记平台名称", en: "the registration platform" },
  "certificates.number": { zh: "登记证书编号", en: "certificate number" },
  resource: { zh: "登记的数据资源或数据产品名称", en: "the registered data resource or product" },
  right: { zh: "登记的权利：holding 数据资源持有权、processing_and_use 数据加工使用权、operating 数据产品经营权", en: "the right registered: holding, processing_and_use or operating" },
  issue_date: { zh: "发证日期，格式如 2025-03-01", en: "issue date, YYYY-MM-DD" },
  valid_until: { zh: "有效期至，格式如 2025-03-01；长期有效则留空", en: "valid until, YYYY-MM-DD; empty when it does not expire" },
  "certificates.status": { zh: "状态：valid 有效、expired 已过期、revoked 已撤销", en: "status: valid, expired or revoked" },
  "fs_inclusions.year": { zh: "会计年度，如 2025", en: "financial year, e.g. 2025" },
  "fs_inclusions.amount": { zh: "数据资产入表金额（元，最多两位小数，不加千分位逗号）", en: "amount included in the statements (yuan, at most two decimals, no thousands separators)" },
  first_time: { zh: "是否首次入表：是 或 否", en: "first inclusion: true or false" },
  trade_id: { zh: "交易编号（在该交易机构内唯一）", en: "trade number (unique at that exchange)" },
  "trades.date": { zh: "交易日期，格式如 2025-03-01", en: "trade date, YYYY-MM-DD" },
  side: { zh: "本企业为卖方还是买方：卖方 或 买方", en: "your side of the trade: seller or buyer" },
  "trades.amount": { zh: "交易金额（元，最多两位小数，不加千分位逗号）", en: "trade amount (yuan, at most two decimals, no thousands separators)" },
  legally_established: { zh: "交易机构是否依法设立：是 或 否", en: "whether the institution is legally established: true or false" },
  filing_id: { zh: "场外交易登记备案编号", en: "registration and filing number of the off-exchange trade" },
  "filings.date": { zh: "登记备案日期，格式如 2025-03-01", en: "filing date, YYYY-MM-DD" },
  "filings.amount": { zh: "备案交易金额（元）", en: "filed trade amount (yuan)" },
  route: { zh: "数据出境路径：security_assessment 数据出境安全评估、standard_contract 个人信息出境标准合同备案、pi_certification 个人信息保护认证", en: "data export route: security_assessment, standard_contract or pi_certification" },
  "exports.number": { zh: "批准文号或备案编号", en: "approval or filing number" },
  authority: { zh: "批准或备案机关", en: "the approving or filing authority" },
  "exports.date": { zh: "批准或备案日期，格式如 2025-03-01", en: "date of approval or filing, YYYY-MM-DD" },
  project_id: { zh: "项目编号（同一项目跨年度使用同一编号）", en: "project number (the same in every year of the project)" },
  "projects.year": { zh: "项目所属年度", en: "the project's year" },
  investment: { zh: "项目总投资额（元）", en: "total investment of the project (yuan)" },
  civil_construction: { zh: "其中土建投资（元，不超过总投资额）", en: "of which civil construction (yuan, not more than the investment)" },
  platform_id: { zh: "平台编号", en: "platform number" },
  "platforms.name": { zh: "平台名称", en: "name of the platform" },
  completed_date: { zh: "建成日期，格式如 2025-03-01", en: "completion date, YYYY-MM-DD" },
  operation_start: { zh: "开始运营日期（不早于建成日期）", en: "start of operation (not before completion)" },
  operation_end: { zh: "停止运营日期；仍在运营则留空", en: "end of operation; empty while it still operates" },
  "figures.policy": { zh: "政策标识，即数据所属的政策，如 `digital-health`（见下表）", en: "the policy's id, the programme the figure is for, e.g. `digital-health` (see the list below)" },
  "figures.year": { zh: "数据所属年度，如 2025", en: "the year the figure is of, e.g. 2025" },
  "figures.name": { zh: "数据项，写作其在案例中的位置，如 `facts.rent_paid`、`applicant.registered_in_district`（见下表）", en: "the figure's place in a case, e.g. `facts.rent_paid` or `applicant.registered_in_district` (see the list below)" },
  "figures.value": { zh: "数值：金额以元为单位（最多两位小数）；是否类数据写 是 或 否；年份、人数写整数；日期如 2025-03-01；可不填的数据写 `none` 表示没有", en: "the value: money in yuan (at most two decimals); a flag true or false; a year or a count as a whole number; a date YYYY-MM-DD; `none` for an optional figure that has no value" },
};

/** Families of audit operations (`op` prefixes), for the audit log's filter. */
export const AUDIT_FAMILIES: Record<string, Pair> = {
  "application.": { zh: "申请办理", en: "applications" },
  "attachment.": { zh: "申报材料", en: "application files" },
  "review.": { zh: "评审", en: "reviews" },
  "objection.": { zh: "异议", en: "objections" },
  "payment.": { zh: "拨付", en: "payments" },
  "account.": { zh: "账号", en: "accounts" },
  "session.": { zh: "登录与退出", en: "sessions" },
  "token.": { zh: "令牌", en: "tokens" },
  "document.": { zh: "文书", en: "documents" },
  "enterprise.": { zh: "企业主数据", en: "enterprise master data" },
};

/** Operations recorded in the audit log (`change.op`), in both languages. */
export const AUDIT_OPS: Record<string, Pair> = {
  migrate: { zh: "数据库迁移", en: "database migration" },
  import: { zh: "导入证明材料", en: "evidence import" },
  "account.add": { zh: "新增账号", en: "account added" },
  "account.disable": { zh: "停用账号", en: "account disabled" },
  "account.password": { zh: "修改密码", en: "password changed" },
  "session.open": { zh: "登录", en: "login" },
  "session.end": { zh: "退出登录", en: "logout" },
  "token.issue": { zh: "签发令牌", en: "token issued" },
  "budget.set": { zh: "设定预算", en: "budget set" },
  "apply_free.propose": { zh: "生成免申即享建议", en: "apply-free proposals" },
  "application.create": { zh: "创建申请", en: "application created" },
  "application.submit": { zh: "提交申请", en: "application submitted" },
  "application.start_review": { zh: "分配评审", en: "review started" },
  "review.conflict": { zh: "声明回避", en: "conflict declared" },
  "review.submit": { zh: "提交评审意见", en: "review submitted" },
  "application.decide": { zh: "作出决定", en: "decision taken" },
  "application.notice": { zh: "发布公示", en: "notice published" },
  "objection.file": { zh: "提出异议", en: "objection filed" },
  "objection.resolve": { zh: "处理异议", en: "objection resolved" },
  "application.finalise": { zh: "批复", en: "finalised" },
  "payment.record": { zh: "登记拨付", en: "payment recorded" },
  "payment.order": { zh: "登记拨付（待复核）", en: "payment ordered, awaiting approval" },
  "payment.approve": { zh: "复核并支付", en: "payment approved and paid" },
  "payment.reject": { zh: "退回拨付", en: "payment order rejected" },
  "application.recover": { zh: "追回资金", en: "funds recovered" },
  "application.edit": { zh: "修改申请草稿", en: "draft changed" },
  "application.withdraw": { zh: "撤回申请草稿", en: "draft withdrawn" },
  "application.add_reviewers": { zh: "增派评审专家", en: "reviewers added" },
  "attachment.add": { zh: "上传材料", en: "file uploaded" },
  "attachment.remove": { zh: "删除材料", en: "file removed" },
  "account.enable": { zh: "启用账号", en: "account enabled" },
  "account.change.request": { zh: "提出账号变更（待另一管理员核准）", en: "account change requested" },
  "account.change.reject": { zh: "驳回账号变更", en: "account change rejected" },
  "token.revoke": { zh: "吊销令牌", en: "token revoked" },
  "document.issue": { zh: "印发文书", en: "document issued" },
  "document.setting": { zh: "修改文书设置", en: "document setting changed" },
  "enterprise.change.approve": { zh: "核准企业主数据变更", en: "enterprise change approved" },
  "enterprise.change.reject": { zh: "驳回企业主数据变更", en: "enterprise change rejected" },
  "evidence.verify": { zh: "核验企业申报材料", en: "declared evidence verified" },
};
