// The evasion lab in headless Chromium: FGSM on a gallery image shows original, perturbation
// and adversarial with a changed prediction and norms within ε; the settings live in the URL;
// bad settings get a clear error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

test('a black-box attack reports its queries; bad settings get a clear error', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=12&attack=square&eps=8&queries=200&seed=1`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('ev-selected').textContent.startsWith('#12:'));
  assert.equal(await page.locator('#ev-queries').isVisible(), true);
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  const q = Number(await page.locator('[data-fact="Model queries"]').textContent());
  assert.ok(q >= 1 && q <= 200, `queries ${q}`);
  await page.locator('#ev-eps').fill('<b>x</b>');
  await page.locator('#ev-run').click();
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').textContent(), /is not a number/);
  assert.equal(await page.locator('#error b').count(), 0);
  await shot(page, 'evasion-square');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
