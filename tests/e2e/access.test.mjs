// The page for keyboard and assistive-technology users, and its small state: axe-core finds no
// serious or critical violation on any lab; a skip link passes the nav and the gallery; the file
// pickers are in the tab order; focus follows a result; a job's buttons wait for it; deep links
// with a bad image number say so; the model menu names an uploaded model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, shot } from './harness.mjs';
import { LABS as REGISTRY } from '../../www/labs/registry.js';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const LABS = REGISTRY.filter((l) => !l.soon).map((l) => l.id);
const shown = (page, lab) => page.waitForFunction((l) => { const s = document.getElementById(`lab-${l}`); return s && !s.hidden; }, lab, { timeout: 30000 });
const ready = (page) => page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });

test('axe-core: no serious or critical violation on any lab', async () => {
  // axe is injected as a script: the test context bypasses the page's CSP for it alone
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const { page, log } = await openPage(browser, ctx);
  for (const lab of LABS) {
    await page.goto(`${server.url}#lab=${lab}`);
    await page.reload();
    await shown(page, lab);
    await page.waitForTimeout(1500); // the lab's defaults and images arrive
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    const bad = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(bad, [], `${lab}: ${bad.join('; ')}`);
  }
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('keyboard: the skip link, the file pickers, focus on the result', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=2&attack=fgsm&eps=8&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#2:'), null, { timeout: 60000 });
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'skip', 'the first Tab reaches the skip link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ev-attack', 'past the nav and the gallery');
  // every file picker takes the focus (none is display:none)
  for (const id of ['upload', 'model-upload']) {
    await page.focus(`#${id}`);
    assert.equal(await page.evaluate(() => document.activeElement.id), id);
  }
  await page.focus('#ev-run');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  await page.waitForFunction(() => document.activeElement?.id === 'ev-verdict', null, { timeout: 10000 });
  await page.locator('#nav a[data-lab="scanner"]').click();
  await shown(page, 'scanner');
  await page.focus('#sc-files');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sc-files');
  // a scan run from the keyboard leaves the focus on its verdict
  await page.focus('#sc-scan-sample');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#sc-table tbody tr').length > 0 && document.activeElement?.id === 'sc-summary', null, { timeout: 60000 });
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a bad image number in a link is said as such; an upload clears the highlight; the menu names an uploaded model', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify&img=abc`);
  await page.waitForSelector('#error:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#error'), /no test image “abc”.*#0–#999/);
  await page.goto(`${server.url}#lab=evasion&img=99999`); // a hash change: the same router
  await page.waitForFunction(() => /#99999/.test(document.getElementById('error').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#error'), /no test image #99999 \(they are #0–#999\)/);
  assert.doesNotMatch(await page.textContent('#error'), /NaN/);
  await page.goto(`${server.url}#lab=classify&img=3`);
  await page.reload();
  await page.waitForSelector('#gallery button[aria-pressed="true"]', { timeout: 60000 });
  await page.waitForSelector('#bars .bar');
  const png = await page.locator('#big').screenshot();
  await page.setInputFiles('#upload', { name: 'mine.png', mimeType: 'image/png', buffer: png });
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('mine.png:'));
  assert.equal(await page.locator('#gallery button[aria-pressed="true"]').count(), 0);
  const model = await (await page.request.get(`${server.url}models/cifar10_resnet9.onnx`)).body();
  await page.setInputFiles('#model-upload', { name: 'mine.onnx', mimeType: 'application/octet-stream', buffer: model });
  await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('mine.onnx'));
  assert.equal(await page.locator('#model-choice option:checked').textContent(), 'Your file (mine.onnx)');
  await page.locator('#model-reset').click();
  await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('cifar10_resnet9.onnx'));
  assert.equal(await page.locator('#model-choice option[value="custom"]').count(), 0);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test("a poisoning job disables the lab's other buttons until it ends", async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=poisoning`);
  await page.waitForFunction(() => document.querySelector('#po-trigger')?.value, null, { timeout: 60000 });
  await page.locator('#po-run').click();
  assert.equal(await page.locator('#po-curve').isDisabled(), true);
  assert.equal(await page.locator('#po-investigate').isDisabled(), true);
  assert.equal(await page.locator('#po-cancel').isVisible(), true);
  await page.waitForFunction(() => /done in/.test(document.getElementById('po-status').textContent), null, { timeout: 120000 });
  assert.equal(await page.locator('#po-curve').isDisabled(), false);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'po-status', 'focus on the result line');
  await shot(page, 'poisoning-after-run');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
