// The poisoning lab in headless Chromium: the attack from URL settings shows clean vs poisoned
// figures computed by the core; the investigation flags the poison and remediation brings the
// ASR down; tampering with the log fails verification at that entry; DP-SGD reports ε; and a
// hostile e-mail (scripts, event handlers, remote images) is shown as text: nothing runs,
// nothing loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const pctOf = (s) => Number(/([\d.]+)%/.exec(s)[1]);

test("the page's defaults are the CLI's (one table in the core); a non-integral seed is refused", async () => {
  const d = JSON.parse(execFileSync('target/debug/mlsec', ['poison', '--dry-run'], { encoding: 'utf8' }));
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=poisoning`);
  await page.waitForFunction(() => document.querySelector('#po-trigger')?.value, null, { timeout: 60000 });
  const ids = { filter: 'po-filter', trigger: 'po-trigger', source: 'po-source', uploader: 'po-uploader', seed: 'po-seed', q: 'dp-q', sigma: 'dp-sigma', clip: 'dp-clip', epochs: 'dp-epochs' };
  for (const [k, id] of Object.entries(ids)) assert.equal(await page.inputValue(`#${id}`), String(d[k]), k);
  assert.equal(Number(await page.inputValue('#po-rate')), 100 * d.rate);
  await page.waitForFunction(() => /sigma=1/.test(location.hash), null, { timeout: 10000 });
  await page.fill('#po-seed', '2.5');
  await page.click('#po-run');
  await page.waitForFunction(() => /seed must be a whole number/.test(document.querySelector('#error').textContent), null, { timeout: 60000 });
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('attack, investigation, remediation, log tampering and DP-SGD run in the page', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=poisoning&filter=lr&rate=3&seed=0`);
  await page.waitForFunction(() => document.querySelector('#po-trigger')?.value, null, { timeout: 60000 });
  await page.click('#po-run');
  await page.waitForSelector('#po-result:not([hidden]) tbody tr:nth-child(2)', { timeout: 120000 });
  const rows = await page.$$eval('#po-result tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const [clean, poisoned] = rows;
  assert.ok(pctOf(poisoned[6]) >= 90, `ASR ${poisoned[6]}`);
  assert.ok(pctOf(clean[6]) < 15, `clean-model ASR ${clean[6]}`);
  assert.ok(Math.abs(pctOf(clean[1]) - pctOf(poisoned[1])) <= 1, `accuracy ${clean[1]} vs ${poisoned[1]}`);
  assert.match(page.url(), /lab=poisoning/);

  await page.click('#po-investigate');
  await page.waitForSelector('#po-remedy', { timeout: 180000 });
  const verdict = await page.textContent('#po-verdict');
  const [p, r] = /precision (\d+\.\d+), recall (\d+\.\d+)/.exec(verdict).slice(1).map(Number);
  assert.ok(p >= 0.8 && r >= 0.8, verdict);
  const remedy = await page.textContent('#po-remedy');
  const asrAfter = Number(/ASR [\d.]+% → ([\d.]+)%/.exec(remedy)[1]);
  assert.ok(asrAfter < 10, remedy);
  // one summary line over the dense tables, with the same figures
  const summary = await page.textContent('#po-summary');
  assert.match(summary, /^In short: [1-9]\d* of \d+ data cells drift/);
  assert.ok(summary.includes(`precision ${p.toFixed(2)}, recall ${r.toFixed(2)}`), summary);
  await shot(page, 'poisoning-forensics');

  await page.click('#po-verify');
  await page.waitForFunction(() => /Chain verified/.test(document.querySelector('#po-chain').textContent), null, { timeout: 60000 });
  await page.fill('#po-tamper-seq', '123');
  await page.click('#po-tamper');
  await page.waitForFunction(() => /FAILED at entry 123/.test(document.querySelector('#po-chain').textContent), null, { timeout: 60000 });

  await page.click('#dp-run');
  await page.waitForSelector('#dp-eps', { timeout: 120000 });
  assert.match(await page.textContent('#dp-eps'), /ε = \d+\.\d{3}/);
  assert.match(await page.textContent('#dp-result'), /What ε says: .* by a factor of at most e\^ε \(here [\d.]+\)/);
  await shot(page, 'poisoning-dp');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('a hostile e-mail is shown as plain text: no script runs, nothing loads', async () => {
  const { ctx, page, log } = await openPage(browser);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  await page.goto(`${server.url}#lab=poisoning`);
  const raw = [
    'From: "<img src=x onerror=alert(1)>" <evil@example.com>',
    'Subject: <script>window.__pwned = 1</script> Cheap meds',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Click <img src="http://tracker.example/pixel.gif" onerror="window.__pwned=2"> now',
    '<iframe src="http://evil.example/"></iframe><script>window.__pwned=3</script>',
    '--b1',
    'Content-Type: text/html',
    '',
    '<html><body><script>window.__pwned=4</script><img src="https://cdn.example/x.png"><a href="javascript:window.__pwned=5">buy</a></body></html>',
    '--b1--',
    '',
  ].join('\r\n');
  await page.click('#po-viewer ~ *, details summary').catch(() => {});
  await page.evaluate(() => { document.querySelector('#lab-poisoning details').open = true; });
  await page.fill('#po-raw', raw);
  await page.click('#po-inspect');
  await page.waitForFunction(() => /Your e-mail/.test(document.querySelector('#po-msg-head').textContent), null, { timeout: 120000 });
  const body = await page.textContent('#po-msg-body');
  assert.match(body, /<img src="http:\/\/tracker\.example\/pixel\.gif"/); // shown as text
  assert.equal(await page.$$eval('#po-viewer img, #po-viewer iframe, #po-viewer script, #po-viewer a', (e) => e.length), 0);
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialogs, 0);
  await shot(page, 'poisoning-hostile-email');
  // an HTML-only e-mail: its text, with no attribute fragments ('">', quoted URLs) leaking from its tags
  await page.fill('#po-raw', ['From: a@example.com', 'Subject: html', 'Content-Type: text/html', '', '<p>Hello <img alt="a>b" src="https://cdn.example/x.png">world</p>', ''].join('\r\n'));
  await page.click('#po-inspect');
  await page.waitForFunction(() => /Subject: html/.test(document.querySelector('#po-msg-body').textContent), null, { timeout: 60000 });
  const htmlBody = await page.textContent('#po-msg-body');
  assert.match(htmlBody, /Hello\s+world/);
  assert.doesNotMatch(htmlBody, /b"|">|cdn\.example/);
  // a refused e-mail never leaves the previous one's body beside its verdict
  await page.evaluate(() => { document.getElementById('po-raw').value = `Subject: big\r\n\r\n${'x'.repeat(4.5e6)}`; }); // over the 4 MB limit
  await page.click('#po-inspect');
  await page.waitForFunction(() => /^Your e-mail was not read: /.test(document.querySelector('#po-msg-head').textContent), null, { timeout: 60000 });
  assert.equal(await page.textContent('#po-msg-body'), '');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('the dictionary attack says what to change when its default shows nothing', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=poisoning&filter=lr&rate=5`);
  await page.waitForFunction(() => document.querySelector('#po-trigger')?.value, null, { timeout: 60000 });
  // the ASR curve first: the dictionary result must not replace it
  await page.click('#po-curve');
  await page.waitForFunction(() => /done in/.test(document.getElementById('po-status').textContent), null, { timeout: 120000 });
  assert.equal(await page.locator('#po-chart .uplot').count(), 1);
  await page.click('#po-dict');
  await page.waitForFunction(() => /^Dictionary attack/.test(document.querySelector('#po-dict-out p')?.textContent ?? ''), null, { timeout: 120000 });
  const lr = await page.locator('#po-hint').count();
  if (lr) assert.match(await page.textContent('#po-hint'), /Try: naive Bayes at 5%/);
  // on naive Bayes the attack does what the paper says: no hint
  await page.selectOption('#po-filter', 'nb');
  await page.click('#po-dict');
  await page.waitForFunction(() => /done in/.test(document.getElementById('po-status').textContent), null, { timeout: 120000 });
  assert.equal(await page.locator('#po-hint').count(), 0, 'naive Bayes moves');
  assert.equal(await page.locator('#po-chart .uplot').count(), 1, 'the curve is still there');
  assert.equal(lr, 1, 'logistic regression shrugs the flood off, and the page says so');
  await shot(page, 'poisoning-dictionary');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
