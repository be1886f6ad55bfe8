// The extraction lab in headless Chromium: a short steal from URL settings updates the
// fidelity chart and the provider's console (keys, log); label-only answers are a second
// curve on the same chart; verification of the audit log passes, and fails at the entry that
// was tampered with; the transfer attack reports against its noise baseline; Cancel stops
// between steps with the API intact; an oversized budget gets a clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const pctOf = (s) => Number(/([\d.]+)%/.exec(s)[1]);
// the lab's settings are applied once its worker has answered with the core's defaults
const applied = (page) => page.waitForFunction(() => document.querySelector('#ex-budget')?.value, null, { timeout: 60000 });

test("the page's defaults are the core's quick preset, and URL keys without a control are kept", async () => {
  const quick = JSON.parse(execFileSync('target/debug/mlsec', ['extract', '--preset', 'quick', '--dry-run'], { encoding: 'utf8' }));
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=extraction`);
  await applied(page);
  const ids = { policy: 'ex-policy', rate: 'ex-rate', burst: 'ex-burst', quota: 'ex-quota', prada: 'ex-prada', strategy: 'ex-strategy', budget: 'ex-budget', arch: 'ex-arch', epochs: 'ex-epochs', temperature: 'ex-temp', seed: 'ex-seed', eps: 'ex-eps' };
  for (const [k, id] of Object.entries(ids)) assert.equal(await page.inputValue(`#${id}`), String(quick[k]), k);
  const url = new URLSearchParams(new URL(page.url()).hash.slice(1));
  for (const k of Object.keys(ids)) assert.equal(url.get(k), String(quick[k]), `URL ${k}`);
  // a key the page has no control for (the full preset's polish) travels with the link
  await page.goto(`${server.url}#lab=extraction&budget=60&epochs=1&polish=2&seed=3`);
  await page.reload();
  await applied(page);
  assert.equal(await page.inputValue('#ex-budget'), '60');
  await page.waitForFunction(() => /polish=2/.test(location.hash), null, { timeout: 10000 });
  await page.click('#ex-steal');
  await page.waitForFunction(() => /^Done: 60 queries/.test(document.querySelector('#ex-status').textContent), null, { timeout: 180000 });
  // the polish ran (one more point, marked polished) and the report names the settings
  assert.match(await page.textContent('#ex-status'), /seed 3\).*after 2 polish epochs/);
  // a run too small to show the lesson says what to change
  assert.match(await page.textContent('#ex-status'), /Try: more queries — 60 is a small budget/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ex-status', 'focus follows the result');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a short steal updates the chart, the console and the log; tampering is caught', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=extraction&strategy=natural&budget=400&epochs=4&policy=probs&prada=alert&seed=0`);
  await applied(page);
  assert.equal(await page.inputValue('#ex-budget'), '400');
  assert.equal(await page.inputValue('#ex-prada'), 'alert');
  await page.click('#ex-steal');
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('#ex-status').textContent), '^Done: 400 queries', { timeout: 180000 });
  const done = await page.textContent('#ex-status');
  assert.match(done, /fidelity [\d.]+%/);
  assert.ok(pctOf(done.split('fidelity')[1]) > 20, done);
  // the chart has a fidelity series with points, and the runs table a row
  assert.ok(await page.$('#ex-chart .uplot canvas'));
  assert.equal(await page.$$eval('#ex-runs tbody tr', (r) => r.length), 1);
  const keys = await page.$$eval('#ex-keys tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const attacker = keys.find((k) => k[0] === 'attacker');
  assert.equal(attacker[1], '400');
  assert.ok(keys.filter((k) => k[0] !== 'attacker').every((k) => Number(k[1]) > 0 && k[5] === 'ok'), JSON.stringify(keys));
  assert.ok(await page.$$eval('#ex-log tbody tr', (r) => r.length) > 0);
  assert.match(await page.textContent('#ex-log-caption'), /^Entries \d+–\d+ of \d+ \(the newest\)/);
  await shot(page, 'extraction-steal');

  // a second run under label-only answers, with the batch-normalised surrogate and a
  // distillation temperature (trained in the worker): the API restarts, a second curve joins
  await page.selectOption('#ex-policy', 'label');
  await page.selectOption('#ex-arch', 'cnn-bn');
  await page.fill('#ex-temp', '2');
  await page.dispatchEvent('#ex-temp', 'change');
  assert.match(page.url(), /policy=label/);
  assert.match(page.url(), /arch=cnn-bn/);
  assert.match(page.url(), /temperature=2/);
  await page.click('#ex-steal');
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('#ex-status').textContent), '^Done: 400 queries', { timeout: 180000 });
  assert.equal(await page.$$eval('#ex-runs tbody tr', (r) => r.length), 2);
  const legend = await page.$$eval('#ex-chart .u-legend .u-series', (s) => s.map((x) => x.textContent));
  assert.ok(legend.some((t) => /natural · label.*cnn-bn · T 2/.test(t)) && legend.some((t) => /natural · probs/.test(t)), legend.join(' | '));
  const second = await page.textContent('#ex-status');
  assert.ok(pctOf(second.split('fidelity')[1]) > 20, second);
  // when labels beat probabilities at this size, the result says why (and only then)
  const [f1, f2] = [pctOf(done.split('fidelity')[1]), pctOf(second.split('fidelity')[1])];
  assert.equal(/Why labels beat probabilities here/.test(second), f2 >= f1, `${f1} vs ${f2}: ${second}`);

  await page.click('#ex-verify');
  await page.waitForFunction(() => /Chain verified: \d+ entries/.test(document.querySelector('#ex-chain').textContent), null, { timeout: 60000 });
  await page.fill('#ex-tamper-seq', '37');
  await page.click('#ex-tamper');
  await page.waitForFunction(() => /FAILED at entry 37 /.test(document.querySelector('#ex-chain').textContent), null, { timeout: 60000 });
  // the log shows the tampered entry, wherever it is, and says so
  await page.waitForFunction(() => /around entry 37, where the chain breaks/.test(document.getElementById('ex-log-caption').textContent), null, { timeout: 30000 });
  const seqs = await page.$$eval('#ex-log tbody tr', (trs) => trs.map((tr) => Number(tr.children[0].textContent)));
  assert.ok(seqs.includes(37), seqs.join(','));
  assert.equal(await page.$eval('#ex-log tbody tr:nth-child(3)', (tr) => tr.className), 'flag');

  await page.click('#ex-transfer-run');
  await page.waitForSelector('#ex-transfer-table', { timeout: 180000 });
  const rows = await page.$$eval('#ex-transfer-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.ok(pctOf(rows[0][2]) > 80, `surrogate fooled ${rows[0][2]}`);
  assert.match(rows[0][1], /^[\d.]+%$/);
  assert.match(rows[1][1], /^[\d.]+%$/);
  await shot(page, 'extraction-transfer');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('cancel stops the attack between steps and keeps the API', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=extraction&strategy=noise&budget=3000&epochs=3&seed=1&transfer=300`);
  await applied(page);
  await page.click('#ex-steal');
  await page.waitForFunction(() => /Training the surrogate/.test(document.querySelector('#ex-status').textContent), null, { timeout: 120000 });
  await page.click('#ex-cancel');
  await page.waitForFunction(() => /^Cancelled after \d+ queries/.test(document.querySelector('#ex-status').textContent), null, { timeout: 120000 });
  const sent = Number(/after (\d+) queries/.exec(await page.textContent('#ex-status'))[1]);
  assert.ok(sent > 0 && sent < 3000, `${sent}`);
  await page.click('#ex-verify');
  await page.waitForFunction(() => /Chain verified/.test(document.querySelector('#ex-chain').textContent), null, { timeout: 60000 });
  // a temperature below 1 is refused with a sentence
  await page.fill('#ex-temp', '0.5');
  await page.dispatchEvent('#ex-temp', 'change');
  await page.click('#ex-steal');
  await page.waitForFunction(() => /temperature must be between 1 and 20/.test(document.querySelector('#error').textContent), null, { timeout: 60000 });
  await page.fill('#ex-temp', '1');
  await page.dispatchEvent('#ex-temp', 'change');
  // a budget the browser cannot hold gets a sentence, not a crash; the lab still works after it
  await page.fill('#ex-budget', '500000');
  await page.click('#ex-steal');
  await page.waitForFunction(() => /at most 20000 queries/.test(document.querySelector('#error').textContent), null, { timeout: 60000 });
  await page.fill('#ex-budget', '50');
  await page.click('#ex-steal');
  await page.waitForFunction(() => /^Done: 50 queries/.test(document.querySelector('#ex-status').textContent), null, { timeout: 60000 });
  // the transfer attack counts its images and can be cancelled between steps of 64
  await page.click('#ex-transfer-run');
  await page.waitForFunction(() => /^Transfer attack: 64 of \d+ images/.test(document.querySelector('#ex-status').textContent), null, { timeout: 120000 });
  await page.click('#ex-cancel');
  await page.waitForFunction(() => /^Transfer attack cancelled/.test(document.querySelector('#ex-status').textContent), null, { timeout: 120000 });
  assert.equal(await page.locator('#ex-transfer-table').count(), 0);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
