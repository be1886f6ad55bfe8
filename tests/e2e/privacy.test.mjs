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

test("model inversion from a link: the CLI's figures for the robust model, ten reconstructions drawn, a bad step size named", async () => {
  const steps = 30;
  const want = JSON.parse(execFileSync('target/debug/mlsec', ['invert', '--model', 'models/cifar10_resnet9_robust.onnx', '--steps', String(steps), '--json'], { encoding: 'utf8' }));
  const d = JSON.parse(execFileSync('target/debug/mlsec', ['invert', '--dry-run'], { encoding: 'utf8' }));
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=privacy`);
  await page.waitForFunction(() => document.querySelector('#pv-inv-steps')?.value, null, { timeout: 60000 });
  assert.equal(await page.inputValue('#pv-inv-steps'), String(d.steps), 'the defaults are the core\'s');
  assert.equal(await page.inputValue('#pv-inv-lr'), String(d.lr));
  await page.goto(`${server.url}#lab=privacy&invert_model=robust&steps=${steps}`);
  await page.reload();
  await page.waitForFunction((s) => document.querySelector('#pv-inv-steps')?.value === s, String(steps), { timeout: 60000 });
  assert.equal(await page.inputValue('#pv-inv-model'), 'robust');
  await page.click('#pv-invert');
  await page.waitForSelector('#pv-inv-result:not([hidden]) #pv-inv-gallery figure', { timeout: 120000 });
  const figs = await page.$$eval('#pv-inv-gallery figure', (fs) => fs.map((f) => {
    const px = f.querySelector('canvas').getContext('2d').getImageData(0, 0, 32, 32).data;
    let sum = 0, sq = 0;
    for (let i = 0; i < px.length; i += 4) { sum += px[i]; sq += px[i] * px[i]; }
    const n = px.length / 4;
    return { cls: f.dataset.class, caption: f.querySelector('figcaption').textContent, sd: Math.sqrt(sq / n - (sum / n) ** 2) };
  }));
  assert.equal(figs.length, 10);
  // wasm and native sum the convolutions in other orders, and 30 normalised steps carry the
  // rounding on: the page's figures are the CLI's within a small tolerance, not to the digit
  for (const c of want.classes) {
    const f = figs.find((x) => x.cls === String(c.class));
    const m = f.caption.match(/^(\w+): p ([\d.]+), (\d+) steps; r (-?[\d.]+) with/);
    assert.ok(m && m[1] === c.name, f.caption);
    assert.ok(Math.abs(Number(m[2]) - c.probability) <= 0.02, `${f.caption} vs the CLI's p ${c.probability}`);
    assert.ok(Math.abs(Number(m[3]) - c.steps) <= 2, `${f.caption} vs the CLI's ${c.steps} steps`);
    assert.ok(Math.abs(Number(m[4]) - c.mean_correlation) <= 0.06, `${f.caption} vs the CLI's r ${c.mean_correlation}`);
    assert.ok(f.sd > 5, `${c.name}: the image moved from grey (sd ${f.sd.toFixed(1)})`);
  }
  const own = Number((await page.textContent('#pv-inv-summary')).match(/: (\d+) of 10 reconstructions/)[1]);
  assert.ok(Math.abs(own - want.nearest_own_mean) <= 2, `${own} vs the CLI's ${want.nearest_own_mean}`);
  await shot(page, 'privacy-inversion');
  // a long inversion cancels; the next one runs in a fresh worker
  await page.fill('#pv-inv-steps', '5000');
  await page.click('#pv-invert');
  await page.waitForFunction(() => /Step \d+ of at most 5000/.test(document.getElementById('pv-inv-status').textContent), null, { timeout: 60000 });
  await page.click('#pv-inv-cancel');
  await page.waitForFunction(() => /cancelled/.test(document.getElementById('pv-inv-status').textContent), null, { timeout: 30000 });
  assert.equal(await page.isDisabled('#pv-invert'), false);
  await page.fill('#pv-inv-steps', '3');
  await page.selectOption('#pv-inv-class', '7');
  await page.click('#pv-invert');
  await page.waitForFunction(() => document.querySelectorAll('#pv-inv-gallery figure').length === 1, null, { timeout: 60000 });
  assert.match(await page.textContent('#pv-inv-gallery figcaption'), /^horse: p [\d.]+, 3 steps/);
  // a step size out of range: the core's sentence, nothing drawn away
  await page.fill('#pv-inv-lr', '0');
  await page.click('#pv-invert');
  await page.waitForFunction(() => /lr must be/.test(document.getElementById('error')?.textContent || ''), null, { timeout: 30000 });
  assert.equal(await page.locator('#pv-inv-gallery figure').count(), 1, 'the last reconstruction stays');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
