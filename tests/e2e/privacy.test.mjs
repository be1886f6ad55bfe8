// The privacy lab in headless Chromium: its defaults are the core's quick preset; a run from a
// link shows the figures the CLI computes (AUC, TPR at 1% and 0.1% FPR, the audit), the ROC on
// log-log axes and the exposed members as text; DP-SGD's audit holds; a long run cancels and
// the next one still runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const cli = (...args) => JSON.parse(execFileSync('target/debug/mlsec', ['privacy', '--preset', 'quick', ...args], { encoding: 'utf8' }));
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const rows = (page) => page.$$eval('#pv-attacks tbody tr', (trs) => trs.map((tr) => [tr.dataset.key, ...[...tr.children].map((td) => td.textContent)]));

async function same(page, want) {
  const got = await rows(page);
  assert.equal(got.length, want.attacks.length);
  for (const a of want.attacks) {
    const r = got.find((x) => x[0] === a.key);
    assert.ok(r, a.key);
    assert.deepEqual(r.slice(2), [a.auc.toFixed(3), pct(a.tpr_at_1pct), pct(a.tpr_at_01pct), a.epsilon_lower_bound.epsilon.toFixed(2)], a.key);
  }
}

test("the page's defaults are the core's quick preset; a run shows the CLI's figures, the ROC and the exposed members as text", async () => {
  const d = cli('--dry-run');
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=privacy&seed=0`);
  await page.waitForFunction(() => document.querySelector('#pv-shadows')?.value, null, { timeout: 60000 });
  for (const [k, id] of Object.entries({ members: 'pv-members', nonmembers: 'pv-nonmembers', epochs: 'pv-epochs', shadows: 'pv-shadows', q: 'pv-q', sigma: 'pv-sigma', clip: 'pv-clip', dp_epochs: 'pv-dp-epochs' })) {
    assert.equal(await page.inputValue(`#${id}`), String(d[k]), k);
  }
  assert.equal(await page.isChecked('#pv-private'), d.private);
  await page.click('#pv-run');
  await page.waitForSelector('#pv-result:not([hidden]) #pv-attacks tbody tr', { timeout: 120000 });
  const want = cli('--json');
  await same(page, want);
  const lira = want.attacks.find((a) => a.key === 'lira_online');
  const loss = want.attacks.find((a) => a.key === 'loss');
  assert.ok(lira.tpr_at_1pct > 2 * loss.tpr_at_1pct, 'LiRA is the stronger attack at 1% FPR');
  assert.ok(await page.locator('#pv-chart canvas').count() >= 1, 'the ROC is drawn');
  assert.equal(await page.locator('#pv-audit').isHidden(), true, 'no audit without DP-SGD');
  const subjects = await page.$$eval('#pv-exposed tbody tr', (trs) => trs.map((tr) => [tr.children[4].textContent, tr.children[4].children.length]));
  assert.deepEqual(subjects, want.exposed.map((e) => [e.subject, 0]), 'subjects as text, the CLI\'s');
  assert.match(await page.textContent('#pv-status'), /Done in .* \(seed 0\)/);
  await shot(page, 'privacy-plain');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('DP-SGD from a link: the audit holds and the figures are the CLI\'s; a long run cancels and the next runs', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=privacy&private=true&seed=0`);
  await page.waitForFunction(() => document.querySelector('#pv-private')?.checked, null, { timeout: 60000 });
  await page.click('#pv-run');
  await page.waitForSelector('#pv-audit:not([hidden])', { timeout: 120000 });
  const want = cli('--private', '--json');
  await same(page, want);
  assert.ok(want.audit.holds);
  assert.match(await page.textContent('#pv-audit'), new RegExp(`proves ε ≥ ${want.audit.empirical_epsilon.toFixed(2)} .* ε = ${want.audit.accountant_epsilon.toFixed(2)}\\. Consistent`));
  for (const a of want.attacks) assert.ok(a.auc <= 0.6, `${a.key} AUC ${a.auc}`);
  await shot(page, 'privacy-dp');
  // a long run, cancelled
  await page.fill('#pv-members', '2000');
  await page.fill('#pv-nonmembers', '1000');
  await page.fill('#pv-shadows', '256');
  await page.click('#pv-run');
  await page.waitForFunction(() => /Shadow \d+ of 256/.test(document.querySelector('#pv-status').textContent), null, { timeout: 120000 });
  await page.click('#pv-cancel');
  await page.waitForFunction(() => /cancelled/.test(document.querySelector('#pv-status').textContent), null, { timeout: 30000 });
  await page.fill('#pv-members', '100');
  await page.fill('#pv-nonmembers', '100');
  await page.fill('#pv-shadows', '4');
  await page.click('#pv-run');
  await page.waitForFunction(() => /Done in/.test(document.querySelector('#pv-status').textContent), null, { timeout: 120000 });
  assert.match(await page.textContent('#pv-victim'), /trained on 100 e-mails/);
  // an out-of-range setting gets the core's sentence
  await page.fill('#pv-shadows', '1');
  await page.click('#pv-run');
  await page.waitForFunction(() => /shadows must be between 2 and 256/.test(document.querySelector('#error').textContent), null, { timeout: 60000 });
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});
