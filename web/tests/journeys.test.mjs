// Browser journeys through the built web app served by a real `bursar serve`
// (BASE_URL), driven by playwright-core in Debian's Chromium. Run by
// web/run-browser-tests.sh, which builds the app and starts the server.
// Screenshots go to tests/artifacts/.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) throw new Error("BASE_URL is not set: run web/run-browser-tests.sh");
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

// Without the background-networking flags Chromium keeps calling Google's
// hosts, which this machine's closed network refuses. Playwright gives every
// launch a fresh, empty profile directory of its own.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
});
after(async () => {
  await browser?.close();
});

/** A fresh page that fails the test on a page error, a console error or a request off the server. */
async function openPage(t, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "zh-CN" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // Failed loads are reported with their address by the response handler.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url().slice(BASE_URL.length)}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(BASE_URL) && !r.url().startsWith("data:")) problems.push(`request off the server: ${r.url()}`);
  });
  t.after(async () => {
    await context.close();
  });
  return {
    page,
    // A refused evaluation answers 422, which Chromium logs as a console error
    // for the failed fetch; callers that expect one say so.
    assertClean(allow = []) {
      const left = problems.filter((p) => !allow.some((re) => re.test(p)));
      assert.deepEqual(left, [], "no page errors, console errors or requests off the server");
    },
  };
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** The input labelled by exactly this text. */
function field(page, label) {
  return page.getByLabel(label, { exact: true });
}

async function fillCalculator(page, { volume }) {
  await field(page, "年度").fill("2025");
  await field(page, "统一社会信用代码").fill("91110105MA01C9XY29");
  await field(page, "企业名称").fill("北京示例数据科技有限公司");
  await field(page, "数商").check();
  await field(page, "数据产品挂牌数量（累计）").fill("51");
  await field(page, "在依法设立的数据交易机构的年度交易额（元）").fill(volume);
  await page.getByRole("button", { name: "+ 添加申报事项" }).click();
  await field(page, "措施").selectOption("03");
  await field(page, "核定金额（元）").fill("4200000");
}

describe("policy calculator", () => {
  test("figures in → the trading subsidy, its reason and clause, the total and a chart", async (t) => {
    const { page, assertClean } = await openPage(t);
    await page.goto(`${BASE_URL}/calculator`);
    await page.getByRole("heading", { level: 1, name: "政策计算器" }).waitFor();
    // Every form control has a label (accessibility).
    const unlabelled = await page.$$eval("input, select", (els) => els.filter((e) => e.labels.length === 0).map((e) => e.name));
    assert.deepEqual(unlabelled, []);

    await fillCalculator(page, { volume: "8000000" });
    // Submitting from the keyboard: Enter in a field.
    await field(page, "核定金额（元）").press("Enter");

    const trading = page.locator('li.award[data-measure="04"][data-item="trading"]');
    await trading.waitFor();
    const tradingText = await trading.innerText();
    assert.match(tradingText, /¥400,000\.00/);
    assert.match(tradingText, /40 万元/);
    assert.match(tradingText, /依法设立的数据交易机构交易支持/);
    assert.match(tradingText, /交易额 ¥8,000,000\.00 的 5%/);
    assert.match(tradingText, /\[04\.2\]/);

    // The clause text opens under the award.
    await trading.locator("summary").click();
    assert.match(await trading.locator("blockquote.clause").innerText(), /5% of their annual total data trading volume/);

    // milestone 500,000 + trading 400,000 + services 4,200,000
    const total = await page.getByTestId("total").innerText();
    assert.match(total, /合计可获支持/);
    assert.match(total, /¥5,100,000\.00/);
    assert.match(total, /510 万元/);

    const services = await page.locator('li.award[data-measure="03"]').innerText();
    assert.match(services, /¥4,200,000\.00/);
    assert.match(services, /评审核定金额 ¥4,200,000\.00/);

    // Not awarded: filing, with its reason in Chinese.
    const filing = await page.locator('.not-awarded li[data-item="filing"]').innerText();
    assert.match(filing, /无场外交易登记备案交易额/);

    // The chart is drawn and described.
    const chart = page.locator(".chart[role=img]");
    await chart.locator("canvas").waitFor();
    assert.match(await chart.getAttribute("aria-label"), /04 支持数据要素流通交易 90 万元/);

    await shot(page, "calculator-result-zh");
    assertClean();
  });

  test("a refused input is shown next to its field", async (t) => {
    const { page, assertClean } = await openPage(t);
    await page.goto(`${BASE_URL}/calculator`);
    await fillCalculator(page, { volume: "8,000,000" });
    await page.getByRole("button", { name: "计算" }).click();

    const input = field(page, "在依法设立的数据交易机构的年度交易额（元）");
    await page.locator(".field-error").waitFor();
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    const wrap = page.locator(".field.has-error");
    assert.equal(await wrap.count(), 1, "exactly one field is marked");
    const message = await wrap.locator(".field-error").innerText();
    assert.match(message, /该项有误：请填写以元为单位的金额/);
    assert.match(message, /facts|money string/i);
    // The message is tied to the input for screen readers, and has the focus.
    const describedBy = await input.getAttribute("aria-describedby");
    assert.ok(describedBy.includes(await wrap.locator(".field-error").getAttribute("id")));
    assert.equal(await input.evaluate((el) => el === document.activeElement), true);
    assert.match(await page.locator(".alert.error").first().innerText(), /输入有误/);
    assert.equal(await page.locator("#result .award").count(), 0, "no decision is shown");

    // Correcting it clears the error and gives the decision.
    await input.fill("8000000");
    await page.getByRole("button", { name: "计算" }).click();
    await page.locator('li.award[data-item="trading"]').waitFor();
    assert.equal(await page.locator(".field-error").count(), 0);

    await input.fill("8000000.001");
    await page.getByRole("button", { name: "计算" }).click();
    await page.locator(".field-error").waitFor();
    await input.scrollIntoViewIfNeeded();
    await shot(page, "calculator-refused-field", false);
    assertClean([/^HTTP 422 POST \/api\/evaluations/]);
  });

  test("on a phone-width screen the result is readable without sideways scrolling", async (t) => {
    const { page, assertClean } = await openPage(t, { width: 375, height: 740 });
    await page.goto(`${BASE_URL}/calculator`);
    await page.getByRole("button", { name: "填入示例数据" }).click();
    await page.getByRole("button", { name: "计算" }).click();
    await page.locator('li.award[data-item="scenario"]').waitFor();
    assert.match(await page.getByTestId("total").innerText(), /¥8,300,000\.00/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await shot(page, "calculator-phone-375-form", false);
    await page.locator("#result-title").evaluate((el) => el.scrollIntoView());
    await shot(page, "calculator-phone-375-result", false);
    assertClean();
  });
});

describe("language", () => {
  test("the switch turns Chinese strings into English and back, keeping the result", async (t) => {
    const { page, assertClean } = await openPage(t);
    await page.goto(`${BASE_URL}/`);
    const h1 = page.getByRole("heading", { level: 1 });
    assert.equal(await h1.innerText(), "朝阳区支持数据要素产业发展若干措施");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
    const ids = await page.locator(".measure-list .measure-id").allInnerTexts();
    assert.deepEqual(ids, ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]);
    assert.match(await page.locator(".measure-list").innerText(), /04\s*支持数据要素流通交易\s*免申即享/);
    await shot(page, "home-zh");

    await page.getByRole("button", { name: "切换到英文" }).click();
    await page.getByRole("heading", { level: 1, name: /Measures for Supporting/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    assert.equal(await page.getByRole("link", { name: "Policy calculator" }).first().isVisible(), true);
    assert.match(await page.locator("body").innerText(), /apply-free/);
    await shot(page, "home-en");

    // The choice is kept across pages and the calculator's result re-renders.
    await page.getByRole("link", { name: "Policy calculator" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Policy calculator" }).waitFor();
    await page.getByRole("button", { name: "Fill in an example" }).click();
    await page.getByRole("button", { name: "Calculate" }).click();
    const trading = page.locator('li.award[data-item="trading"]');
    await trading.waitFor();
    assert.match(await trading.innerText(), /5% of trading volume 8000000\.00/);
    assert.match(await trading.innerText(), /RMB 0\.4 million/);

    await page.getByRole("button", { name: "Switch to Chinese" }).click();
    await page.getByRole("heading", { level: 1, name: "政策计算器" }).waitFor();
    assert.match(await page.locator('li.award[data-item="trading"]').innerText(), /交易额 ¥8,000,000\.00 的 5%/);
    assertClean();
  });
});

describe("policy view", () => {
  test("[04.2] text stands beside the rule that implements it", async (t) => {
    const { page, assertClean } = await openPage(t);
    await page.goto(`${BASE_URL}/policy/04`);
    await page.getByRole("heading", { level: 1, name: /04.*支持数据要素流通交易/ }).waitFor();
    const row = page.locator('.rule-row[data-cites~="D-04b"]');
    assert.equal(await row.count(), 1);
    assert.match(await row.locator(".rule-text").innerText(), /\[04\.2\][\s\S]*5% of their annual total data trading volume/);
    const code = await row.locator(".rule-code code").innerText();
    assert.match(code, /param trading_rate: rate = 5% cites \[04\.2\] D-04b/);
    assert.match(code, /amount exchange_trading_volume \* trading_rate/);
    assert.match(await row.locator("figcaption").innerText(), /measures\/04-trading\.md:\d+/);
    // The two sit side by side on a laptop screen.
    const left = await row.locator(".rule-text").boundingBox();
    const right = await row.locator(".rule-code").boundingBox();
    assert.ok(right.x > left.x + left.width - 1 && Math.abs(right.y - left.y) < 5, "text left, rule right");
    await row.scrollIntoViewIfNeeded();
    await shot(page, "policy-04", false);
    assertClean();
  });

  test("parameters with their values and citations", async (t) => {
    const { page, assertClean } = await openPage(t);
    await page.goto(`${BASE_URL}/policy`);
    const trading = page.locator("table.params tr", { has: page.locator("code", { hasText: /^trading_rate$/ }) });
    await trading.waitFor();
    const text = await trading.innerText();
    assert.match(text, /年度交易额的支持比例/);
    assert.match(text, /5%/);
    assert.match(text, /\[04\.2\] D-04b/);
    const cap = await page.locator("table.params tr", { has: page.locator("code", { hasText: /^annual_cap_04$/ }) }).innerText();
    assert.match(cap, /¥2,000,000\.00/);
    await shot(page, "policy-overview");
    assertClean();
  });
});
