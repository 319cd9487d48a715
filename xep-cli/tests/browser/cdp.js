// Loads one page in headless Chromium and prints what it rendered, as JSON.
//
// Talks the DevTools protocol over --remote-debugging-pipe (no npm packages, no
// network), so scripts can be switched off per page (Emulation.setScriptExecutionDisabled)
// while the test still reads the rendered text.
//
// usage: node cdp.js URL [--no-script] [--lang TAG] [--tz ZONE] [--width PX] [--height PX]
//                        [--screenshot FILE.png] [--eval FILE.js] [--now RFC3339]
// prints: {"title", "text" (innerText of the body, or of the root for SVG), "html",
//          "scrollWidth", "exceptions": [...], "errors": [...], "eval": value}
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const argv = process.argv.slice(2);
const opts = { url: null, script: true, lang: "en-US", tz: "UTC", width: 1000, height: 800, screenshot: null, evalFile: null, now: null };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => argv[++i];
  if (a === "--no-script") opts.script = false;
  else if (a === "--lang") opts.lang = next();
  else if (a === "--tz") opts.tz = next();
  else if (a === "--width") opts.width = Number(next());
  else if (a === "--height") opts.height = Number(next());
  else if (a === "--screenshot") opts.screenshot = next();
  else if (a === "--eval") opts.evalFile = next();
  else if (a === "--now") opts.now = Date.parse(next()) / 1000;
  else opts.url = a;
}
if (!opts.url) {
  console.error("usage: node cdp.js URL [options]");
  process.exit(2);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "xep-chromium-"));
const chrome = spawn(process.env.CHROMIUM || "chromium", [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--user-data-dir=" + profile, "--remote-debugging-pipe",
  "--lang=" + opts.lang, "--accept-lang=" + opts.lang,
  "--hide-scrollbars", "--window-size=" + opts.width + "," + opts.height,
], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"], env: Object.assign({}, process.env, { TZ: opts.tz }) });
let stderr = "";
chrome.stdio[2].on("data", (d) => { stderr += d; });

const out = chrome.stdio[3];
const input = chrome.stdio[4];
out.on("error", () => {});
const exited = new Promise((resolve) => chrome.on("exit", resolve));
let buffer = Buffer.alloc(0);
let nextId = 0;
const pending = new Map();
const waiters = [];
const exceptions = [];
const errors = [];

input.on("data", (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString("utf8"));
    buffer = buffer.subarray(end + 1);
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
      continue;
    }
    if (message.method === "Runtime.exceptionThrown") {
      const d = message.params.exceptionDetails;
      exceptions.push((d.exception && d.exception.description) || d.text);
    } else if (message.method === "Log.entryAdded" && message.params.entry.level === "error") {
      errors.push(message.params.entry.text + " " + (message.params.entry.url || ""));
    } else if (message.method === "Runtime.consoleAPICalled" && message.params.type === "error") {
      errors.push(message.params.args.map((a) => a.value).join(" "));
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].method === message.method) {
        waiters[i].resolve(message.params);
        waiters.splice(i, 1);
      }
    }
  }
});

function send(method, params, sessionId) {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    const message = { id, method, params: params || {} };
    if (sessionId) message.sessionId = sessionId;
    out.write(JSON.stringify(message) + "\0");
  });
}

function wait(method) {
  return new Promise((resolve) => waiters.push({ method, resolve }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  await s("Page.enable");
  await s("Runtime.enable");
  await s("Log.enable");
  await s("Emulation.setTimezoneOverride", { timezoneId: opts.tz });
  await s("Emulation.setDeviceMetricsOverride", { width: opts.width, height: opts.height, deviceScaleFactor: 1, mobile: opts.width < 600 });
  if (!opts.script) await s("Emulation.setScriptExecutionDisabled", { value: true });
  // The page's clock (Date.now(), new Date()), when the test sets one.
  if (opts.now !== null) {
    const source = "(function () { var offset = " + opts.now * 1000 + " - Date.now(); var Real = Date;" +
      " function Fake() { if (arguments.length === 0) { return new Real(Real.now() + offset); }" +
      " return new (Function.prototype.bind.apply(Real, [null].concat(Array.prototype.slice.call(arguments))))(); }" +
      " Fake.prototype = Real.prototype; Fake.now = function () { return Real.now() + offset; };" +
      " Fake.parse = Real.parse; Fake.UTC = Real.UTC; Date = Fake; })();";
    await s("Page.addScriptToEvaluateOnNewDocument", { source });
  }
  const loaded = wait("Page.loadEventFired");
  await s("Page.navigate", { url: opts.url });
  await loaded;
  await sleep(300);
  const probe = `JSON.stringify({
    title: document.title,
    text: document.body ? document.body.innerText : document.documentElement.textContent,
    html: document.documentElement.outerHTML,
    scrollWidth: document.documentElement.scrollWidth
  })`;
  const result = JSON.parse((await s("Runtime.evaluate", { expression: probe, returnByValue: true })).result.value);
  if (opts.evalFile) {
    const expression = fs.readFileSync(opts.evalFile, "utf8");
    const r = await s("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) exceptions.push("eval: " + JSON.stringify(r.exceptionDetails));
    result.eval = r.result.value;
  }
  if (opts.screenshot) {
    const metrics = await s("Page.getLayoutMetrics");
    const size = metrics.cssContentSize || metrics.contentSize;
    const height = Math.min(Math.ceil(size.height), 4000);
    const width = Math.min(Math.ceil(Math.max(size.width, opts.width)), 4000);
    await s("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: opts.width < 600 });
    await sleep(100);
    const shot = await s("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(opts.screenshot, Buffer.from(shot.data, "base64"));
  }
  result.exceptions = exceptions;
  result.errors = errors;
  process.stdout.write(JSON.stringify(result));
  await send("Browser.close").catch(() => {});
}

const timer = setTimeout(() => {
  console.error("timed out; chromium said:\n" + stderr.slice(-2000));
  chrome.kill("SIGKILL");
  process.exit(3);
}, 60000);

main().then(
  async () => {
    clearTimeout(timer);
    await Promise.race([exited, sleep(5000)]);
    chrome.kill("SIGKILL");
    await exited;
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  },
  (e) => {
    console.error(String(e) + "\nchromium said:\n" + stderr.slice(-2000));
    chrome.kill("SIGKILL");
    process.exit(1);
  },
);
