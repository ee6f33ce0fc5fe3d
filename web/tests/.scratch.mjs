import { chromium } from "playwright-core";
const [,, base, user, path, out, w] = process.argv;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const ctx = await browser.newContext({ viewport: { width: Number(w || 1280), height: 900 }, locale: "zh-CN" });
const page = await ctx.newPage();
page.on("pageerror", (e) => console.log("pageerror", e.message));
page.on("console", (m) => m.type() === "error" && console.log("console", m.text()));
page.on("response", (r) => r.status() >= 400 && console.log("HTTP", r.status(), r.request().method(), r.url()));
if (user !== "-") {
  await page.goto(`${base}/login`);
  await page.getByLabel("用户名", { exact: true }).fill(user);
  await page.getByLabel("密码", { exact: true }).fill("browser-journeys-2025");
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByTestId("whoami").waitFor();
}
await page.goto(`${base}${path}`);
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
console.log((await page.locator("main").innerText()).slice(0, 1500));
await browser.close();
