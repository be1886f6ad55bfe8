// The evasion lab in headless Chromium: FGSM on a gallery image shows original, perturbation
// and adversarial with a changed prediction and norms within ε; the settings live in the URL;
// bad settings get a clear error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

async function ready(page) {
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });
}

async function pixels(page, id) {
  return page.evaluate((i) => Array.from(document.getElementById(i).getContext('2d').getImageData(0, 0, 32, 32).data), id);
}

test("the page's attack defaults are the CLI's (one Params table in the core)", async () => {
  const d = JSON.parse(execFileSync('target/debug/mlsec', ['attack', '--model', 'models/cifar10_resnet9.onnx', '--dry-run'], { encoding: 'utf8' }));
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#0:'), null, { timeout: 60000 });
  const field = (id) => page.inputValue(`#${id}`);
  assert.equal(await field('ev-attack'), d.attack);
  assert.equal(await field('ev-norm'), d.norm);
  assert.equal(await field('ev-defense'), d.defense);
  assert.equal(await field('ev-seed'), String(d.seed));
  assert.equal(await field('evl-n'), String(d.n));
  assert.equal(await field('ev-steps'), d.steps === null ? '' : String(d.steps));
  assert.equal(await page.locator('#ev-adaptive').isChecked(), d.adaptive);
  // the CLI leaves ε to the attack (null): 8/255 for L∞, shown in the page as 8
  assert.equal(d.eps, null);
  assert.equal(await field('ev-eps'), '8');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('FGSM on a sample changes the prediction, within ε, and the URL records the settings', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=3&attack=fgsm&eps=8&seed=7`);
  await ready(page);
  assert.equal(await page.locator('#lab-evasion').isVisible(), true);
  assert.equal(await page.locator('#lab-classify').isVisible(), false);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#3:'));
  assert.equal(await page.locator('#ev-attack').inputValue(), 'fgsm');
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  assert.equal(await page.locator('#ev-verdict').getAttribute('data-success'), 'true');
  assert.match(await page.locator('#ev-verdict').textContent(), /^Attack succeeded .*: (\w+) → (\w+)$/);
  const m = /: (\w+) → (\w+)$/.exec(await page.locator('#ev-verdict').textContent());
  assert.notEqual(m[1], m[2]);
  // the perturbation canvas shows a non-flat image; adversarial differs from the original by ≤ 8 levels
  const orig = await pixels(page, 'ev-orig');
  const adv = await pixels(page, 'ev-adv');
  const delta = await pixels(page, 'ev-delta');
  let maxd = 0;
  for (let i = 0; i < orig.length; i++) if (i % 4 !== 3) maxd = Math.max(maxd, Math.abs(orig[i] - adv[i]));
  assert.ok(maxd > 0 && maxd <= 8, `max pixel change ${maxd}`);
  assert.ok(new Set(delta.filter((_, i) => i % 4 !== 3)).size > 1);
  assert.match(await page.locator('[data-fact="L∞"]').textContent(), /^8\.00\/255$/);
  assert.equal(await page.locator('[data-fact="Model queries"]').textContent(), '1');
  assert.equal(await page.locator('[data-fact="Seed"]').textContent(), '7');
  assert.match(await page.locator('[data-fact="Gradients"]').textContent(), /^exact/);
  assert.match(page.url(), /lab=evasion&img=3&attack=fgsm&eps=8&.*seed=7/);
  await shot(page, 'evasion-fgsm');
  // the adversarial PNG download is a real PNG
  const href = await page.locator('#ev-png').getAttribute('href');
  assert.match(href, /^blob:/);
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('a running attack counts its gradient steps and queries against its budget', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=5&attack=pgd&eps=8&steps=12&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#5:'));
  const record = () => page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => window.seen.push(document.getElementById('ev-progress').textContent))
      .observe(document.getElementById('ev-progress'), { childList: true, characterData: true, subtree: true });
  });
  await record();
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  let seen = await page.evaluate(() => window.seen);
  for (let k = 1; k <= 12; k++) assert.ok(seen.some((t) => t.startsWith(`PGD: ${k} of 12 gradient steps, `)), `step ${k}: ${seen.join(' | ')}`);
  assert.equal(await page.textContent('#ev-progress'), '', 'cleared with the result');
  // black-box: queries against the budget
  await page.selectOption('#ev-attack', 'square');
  await page.locator('#ev-queries').fill('400');
  await page.locator('#ev-eps').fill('1');
  await record();
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  seen = await page.evaluate(() => window.seen);
  const q = Number(await page.locator('[data-fact="Model queries"]').textContent());
  if (q >= 40) assert.ok(seen.some((t) => /^SQUARE: \d+ of 400 queries…$/.test(t)), `${q} queries: ${seen.join(' | ')}`);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a black-box attack reports its queries; bad settings get a clear error', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=2&attack=square&eps=8&queries=200&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#2:'));
  assert.equal(await page.locator('#ev-queries').isVisible(), true);
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  const q = Number(await page.locator('[data-fact="Model queries"]').textContent());
  assert.ok(q >= 1 && q <= 200, `queries ${q}`);
  assert.doesNotMatch(await page.textContent('#ev-verdict'), /Nothing to attack/, 'the image is one the model gets right: the attack ran');
  await page.locator('#ev-eps').fill('<b>x</b>');
  await page.locator('#ev-run').click();
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').textContent(), /is not a number/);
  assert.equal(await page.locator('#error b').count(), 0);
  await shot(page, 'evasion-square');
  // an empty query budget is the attack's own, shown from the core (HopSkipJump's differs from Square's)
  await page.locator('#ev-eps').fill('0');
  await page.selectOption('#ev-attack', 'hsja');
  await page.locator('#ev-queries').fill('');
  await page.waitForFunction(() => document.getElementById('ev-queries').placeholder === '2000');
  await page.selectOption('#ev-attack', 'square');
  await page.waitForFunction(() => document.getElementById('ev-queries').placeholder === '1000');
  // behind the API's label-only policy the attacker sees one-hot answers, and the facts say so
  assert.equal(await page.locator('#ev-policy').isVisible(), true);
  await page.selectOption('#ev-policy', 'label');
  await page.locator('#ev-eps').fill('8');
  await page.locator('#ev-queries').fill('100');
  await page.locator('#ev-run').click();
  await page.waitForFunction(() => document.querySelector('[data-fact="API answers"]')?.textContent.startsWith('label'), null, { timeout: 60000 });
  assert.match(page.url(), /policy=label/);
  const shown = await page.locator('#ev-before .pct').allTextContents();
  assert.deepEqual(shown, ['100.0%', '0.0%', '0.0%']);
  // white-box attacks have the weights: the policy's control is hidden for them
  await page.selectOption('#ev-attack', 'pgd');
  assert.equal(await page.locator('#ev-policy').isVisible(), false);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('randomized smoothing can be the target, attacked through its noise', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=5&attack=pgd&eps=8&steps=5&defense=smooth:0.25&adaptive=1&seed=4`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#5:'));
  assert.equal(await page.locator('#ev-defense').inputValue(), 'smooth:0.25');
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 120000 });
  assert.match(await page.locator('[data-fact="Defence"]').textContent(), /^smooth:0\.25 — adaptive attacker/);
  assert.match(await page.locator('[data-fact="L∞"]').textContent(), /^[0-8]\.\d\d\/255$/);
  assert.match(page.url(), /defense=smooth%3A0\.25&adaptive=1/);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('evaluate on N images draws robust accuracy vs ε; the matrix fills in', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=0&attack=fgsm&eps=8&evn=20&evl=0,8&mxn=4&seed=2`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#0:'));
  assert.equal(await page.locator('#evl-n').inputValue(), '20');
  await page.locator('#evl-run').click();
  await page.waitForSelector('#evl-table:not([hidden]) tbody tr', { timeout: 120000 });
  const rows = page.locator('#evl-table tbody tr');
  assert.equal(await rows.count(), 2);
  const r0 = Number(await rows.nth(0).getAttribute('data-robust'));
  const r8 = Number(await rows.nth(1).getAttribute('data-robust'));
  const clean0 = await rows.nth(0).locator('td').nth(2).textContent();
  // at ε = 0 robust accuracy is the clean accuracy; FGSM at 8/255 lowers it
  assert.equal(`${(100 * r0).toFixed(1)}%`, clean0);
  assert.ok(r8 < r0, `robust ${r8} vs clean ${r0}`);
  assert.equal(await page.locator('#evl-chart canvas').count() > 0, true);
  assert.equal(await page.locator('#evl-csv').isVisible(), true);
  await shot(page, 'evasion-curve');

  // every progress text the matrix shows, recorded
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => window.seen.push(document.getElementById('evl-progress-text').textContent))
      .observe(document.getElementById('evl-progress-text'), { childList: true, characterData: true, subtree: true });
  });
  await page.locator('#mx-run').click();
  await page.waitForFunction(() => document.querySelectorAll('#mx-table td.pending').length === 0 && document.getElementById('mx-cancel').hidden && window.seen.length > 0, null, { timeout: 300000 });
  // progress says how long is left once a batch has finished
  const seen = await page.evaluate(() => window.seen);
  assert.ok(seen.some((t) => /^matrix: \d+ of \d+ batches · about \d+ (s|min) left$/.test(t)), seen.join(' | '));
  // the caption and every cell's tooltip say N, ε and the seed
  assert.match(await page.textContent('#mx-caption'), /^Robust accuracy on \d+ images at L∞ ε 8\/255 \(seed \d+\)/);
  assert.match(await page.locator('#mx-pgd-none').getAttribute('title'), /robust accuracy on \d+ images at L∞ ε 8\/255/);
  const cells = await page.locator('#mx-table tbody td[data-naive]').count();
  assert.equal(cells, 18);
  // the adversarially trained model keeps more images than the undefended standard model under PGD
  const rob = Number(await page.locator("#mx-pgd-robust").getAttribute("data-naive"));
  const none = Number(await page.locator("#mx-pgd-none").getAttribute("data-naive"));
  assert.ok(rob >= none, `robust column ${rob} vs none ${none}`);
  // against bit-depth reduction, the adaptive (BPDA) PGD attacker does at least as well as the naive one
  const sq = page.locator('#mx-pgd-squeeze_4');
  const naive = Number(await sq.getAttribute('data-naive'));
  const adaptive = Number(await sq.getAttribute('data-adaptive'));
  assert.ok(adaptive <= naive, `squeeze:4 naive ${naive} adaptive ${adaptive}`);
  await shot(page, 'evasion-matrix');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('the detector reports on each attack, and randomized smoothing certifies or abstains', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=1&attack=pgd&eps=8&steps=10&seed=4`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#1:'));
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  assert.match(await page.locator('[data-fact="Feature squeezing"]').textContent(), /^score [0-9.]+ → [0-9.]+ \(threshold [0-9.]+, 100 clean sample images .*\): adversarial (flagged|not flagged)/);
  await page.locator('#rs-sigma').fill('0.12');
  await page.locator('#rs-n').fill('200');
  await page.locator('#rs-run').click();
  await page.waitForSelector('#rs-out:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#rs-out'), /^(Certifying: 300 noisy copies|Smoothed|Abstains)/);
  await page.waitForFunction(() => !document.getElementById('rs-out').textContent.startsWith('Certifying'), null, { timeout: 60000 });
  const text = await page.locator('#rs-out').textContent();
  assert.match(text, /^(Smoothed prediction: \w+, certified L2 radius [0-9.]+ with 99\.9% confidence|Abstains: )/);
  const radius = Number(await page.locator('#rs-out').getAttribute('data-radius'));
  assert.ok(radius >= 0 && radius < 1, `radius ${radius}`);
  // a long certification can be cancelled (the worker ends; the next request waits for a fresh one)
  await page.locator('#rs-n').fill('100000');
  await page.locator('#rs-run').click();
  await page.waitForSelector('#rs-cancel:not([hidden])');
  await page.locator('#rs-cancel').click();
  await page.waitForFunction(() => document.getElementById('rs-out').textContent === 'Certification cancelled.', null, { timeout: 10000 });
  assert.equal(await page.locator('#rs-run').isDisabled(), false);
  await page.locator('#rs-n').fill('200');
  await page.locator('#rs-sigma').fill('2');
  await page.locator('#rs-run').click();
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').textContent(), /σ must be in/);
  await shot(page, 'evasion-smoothing');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('the adversarially trained model can be chosen, and the URL remembers it', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=2&attack=fgsm&eps=8&seed=0`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#2:'));
  assert.equal(await page.locator('#model-choice option').count(), 2);
  await page.locator('#model-choice').selectOption('robust');
  await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('cifar10_resnet9_robust.onnx'));
  assert.match(page.url(), /model=robust/);
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  assert.match(await page.locator('[data-fact="Gradients"]').textContent(), /^exact/);
  // a reload keeps the robust model
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('cifar10_resnet9_robust.onnx'));
  assert.equal(await page.locator('#model-choice').inputValue(), 'robust');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('cancel, then run at once: the request waits for the fresh worker to reload its model', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=3&attack=square&eps=8&queries=20000&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#3:'));
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-cancel:not([hidden])');
  await page.waitForTimeout(300);
  await page.locator('#ev-cancel').click();
  await page.selectOption('#ev-attack', 'fgsm');
  await page.locator('#ev-run').click();
  await page.waitForFunction(() => document.getElementById('ev-run').textContent === 'Run attack' && !document.getElementById('ev-run').disabled, null, { timeout: 60000 });
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  assert.equal(await page.locator('#error').isVisible(), false, await page.locator('#error').textContent());
  assert.equal(await page.locator('#ev-verdict').getAttribute('data-success'), 'true');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('the verdict says what each attack honours: black-box has no gradients, HSJA is L2, a wrong image has nothing to attack', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=3&attack=hsja&eps=0&queries=200&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#3:'));
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('[data-fact="Gradients"]'), /^none \(black-box/);
  assert.match(await page.textContent('#ev-verdict'), /an L2 attack: its L∞ \([\d.]+\/255\) is not capped/);
  // the first gallery image the model gets wrong: an untargeted attack has nothing to do there
  let wrong = null;
  for (let i = 0; i < 40 && wrong === null; i++) {
    await page.locator('#gallery button').nth(i).click();
    await page.waitForFunction((k) => document.getElementById('ev-selected').textContent.startsWith(`#${k}:`), i);
    const m = /^#\d+: (\w+) \(the model says (\w+)\)/.exec(await page.textContent('#ev-selected'));
    if (m && m[1] !== m[2]) wrong = i;
  }
  assert.notEqual(wrong, null, 'the model gets one of the first 40 images wrong');
  await page.selectOption('#ev-attack', 'fgsm');
  await page.fill('#ev-eps', '8');
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 }).catch(async (e) => { throw new Error(`${e.message}; error line: ${await page.textContent('#error')}`); });
  assert.match(await page.textContent('#ev-verdict'), /^Nothing to attack: the model already says/);
  assert.match(await page.textContent('[data-fact="Gradients"]'), /^exact/);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
