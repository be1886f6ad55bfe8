// Shared by the browser tests: serve www/ on a free loopback port, launch Debian's chromium
// through playwright-core with the flags this closed network needs, and record console errors
// and every request's origin.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ARTIFACTS = path.resolve('test-artifacts');
fs.mkdirSync(ARTIFACTS, { recursive: true });

export function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['tests/support/serve.mjs', 'www', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.on('data', (d) => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(d));
      if (m) resolve({ url: m[0], origin: `http://127.0.0.1:${m[1]}`, stop: () => proc.kill() });
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors, page errors and request origins. */
export async function openPage(browser, context = null) {
  const ctx = context || await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const log = { errors: [], origins: new Set() };
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(m.text()); });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  ctx.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') log.origins.add(u.origin);
  });
  return { ctx, page, log };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
