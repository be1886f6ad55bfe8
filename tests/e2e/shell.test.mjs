// The site's shell in headless Chromium: the nav comes from the lab registry, the router works
// from the first paint (before any core has loaded), and each lab keeps its settings and its
// last result across lab switches (the URL follows the lab shown).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, shot } from './harness.mjs';
import { LABS } from '../../www/labs/registry.js';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const visible = (page, id) => page.waitForFunction((i) => { const e = document.getElementById(i); return e && !e.hidden; }, id, { timeout: 30000 });

test('the nav lists the registry; a tab works before the classifier has loaded', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify`);
  // no wait for "Ready": the first tab click must route at once
  await page.waitForSelector('#nav a[data-lab="poisoning"]', { timeout: 10000 });
  const labels = await page.locator('#nav a').allTextContents();
  assert.deepEqual(labels, LABS.map((l) => l.label));
  assert.ok(labels.length >= 8 && labels[0] === 'Classify', labels.join());
  assert.equal(await page.locator('#nav a[aria-disabled="true"]').count(), 0, 'every lab has landed');
  await page.locator('#nav a[data-lab="poisoning"]').click();
  await visible(page, 'lab-poisoning');
  assert.match(page.url(), /#lab=poisoning/);
  assert.equal(await page.locator('#nav a[aria-current="page"]').textContent(), 'Poisoning');
  assert.equal(await page.locator('.gallery-col').isVisible(), false);
  // and back: the classifier's view, the gallery column with it
  await page.locator('#nav a[data-lab="classify"]').click();
  await visible(page, 'lab-classify');
  assert.equal(await page.locator('#lab-poisoning').isVisible(), false);
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });
  assert.equal(await page.locator('#gallery button').count(), 40);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a lab keeps its settings and its result across lab switches, and the URL follows', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=4&attack=fgsm&eps=4&seed=9`);
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#4:'), null, { timeout: 60000 });
  await page.locator('#ev-run').click();
  await page.waitForSelector('#ev-out:not([hidden])', { timeout: 60000 });
  const verdict = await page.textContent('#ev-verdict');
  // the extraction lab: change a setting there too
  await page.locator('#nav a[data-lab="extraction"]').click();
  await visible(page, 'lab-extraction');
  await page.waitForFunction(() => document.querySelector('#ex-budget')?.value, null, { timeout: 60000 });
  await page.fill('#ex-budget', '60');
  await page.dispatchEvent('#ex-budget', 'change');
  await page.waitForFunction(() => /budget=60/.test(location.hash));
  await page.locator('#nav a[data-lab="evasion"]').click();
  await visible(page, 'lab-evasion');
  await page.waitForFunction(() => /lab=evasion/.test(location.hash) && /attack=fgsm/.test(location.hash));
  assert.equal(await page.inputValue('#ev-attack'), 'fgsm');
  assert.equal(await page.inputValue('#ev-eps'), '4');
  assert.equal(await page.inputValue('#ev-seed'), '9');
  assert.match(page.url(), /img=4&.*attack=fgsm&eps=4&/);
  // the result is still the one those settings produced
  assert.equal(await page.locator('#ev-out').isVisible(), true);
  assert.equal(await page.textContent('#ev-verdict'), verdict);
  assert.equal(await page.locator('[data-fact="Seed"]').textContent(), '9');
  await page.locator('#nav a[data-lab="extraction"]').click();
  await visible(page, 'lab-extraction');
  assert.equal(await page.inputValue('#ex-budget'), '60');
  assert.match(page.url(), /lab=extraction.*budget=60/);
  await shot(page, 'shell-switch');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('the privacy and practice labs keep their settings, result and answer across lab switches', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=privacy`);
  await page.waitForFunction(() => document.querySelector('#pv-shadows')?.value && document.querySelector('#pv-inv-steps')?.value, null, { timeout: 60000 });
  await page.fill('#pv-shadows', '4');
  await page.dispatchEvent('#pv-shadows', 'change');
  await page.fill('#pv-inv-steps', '17');
  await page.dispatchEvent('#pv-inv-steps', 'change');
  await page.click('#pv-run');
  await page.waitForSelector('#pv-result:not([hidden]) #pv-attacks tbody tr', { timeout: 120000 });
  const victim = await page.textContent('#pv-victim');
  await page.waitForFunction(() => /shadows=4/.test(location.hash) && /steps=17/.test(location.hash));
  // practice: another scenario and an answer
  await page.locator('#nav a[data-lab="practice"]').click();
  await visible(page, 'lab-practice');
  await page.waitForFunction(() => document.querySelectorAll('#pr-scenario option').length > 1, null, { timeout: 60000 });
  const second = await page.$eval('#pr-scenario', (s) => s.options[1].value);
  await page.selectOption('#pr-scenario', second);
  await page.fill('#pr-answer', 'rate limits and an audit log');
  await page.locator('#nav a[data-lab="threats"]').click();
  await visible(page, 'lab-threats');
  await page.locator('#nav a[data-lab="privacy"]').click();
  await visible(page, 'lab-privacy');
  assert.equal(await page.inputValue('#pv-shadows'), '4');
  assert.equal(await page.inputValue('#pv-inv-steps'), '17');
  assert.equal(await page.textContent('#pv-victim'), victim, 'the result stays');
  assert.match(page.url(), /lab=privacy.*shadows=4/);
  await page.locator('#nav a[data-lab="practice"]').click();
  await visible(page, 'lab-practice');
  assert.equal(await page.inputValue('#pr-scenario'), second);
  assert.equal(await page.inputValue('#pr-answer'), 'rate limits and an audit log');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a link that carries settings applies them to a lab already shown', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=evasion&img=1&attack=fgsm&eps=4`);
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#1:'), null, { timeout: 60000 });
  await page.evaluate(() => { location.hash = 'lab=evasion&img=2&attack=pgd&eps=2&steps=3'; });
  await page.waitForFunction(() => document.getElementById('ev-selected')?.textContent?.startsWith('#2:'), null, { timeout: 60000 });
  await page.waitForFunction(() => document.getElementById('ev-attack')?.value === 'pgd');
  assert.equal(await page.inputValue('#ev-eps'), '2');
  assert.equal(await page.inputValue('#ev-steps'), '3');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('an idle scanner worker ends after 10 s, and the next scan starts a fresh one', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=scanner`);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Ready.', null, { timeout: 60000 });
  // the scanner lab loads no model: no image core runs on this page
  await page.locator('#sc-scan-sample').click();
  // the result row, not the summary: "Scanning malicious/…" is shown before the worker starts
  await page.waitForFunction(() => document.querySelectorAll('#sc-table tbody tr').length > 0, null, { timeout: 60000 });
  assert.equal(page.workers().length, 1, 'the scanner worker runs');
  await page.waitForFunction(() => new Promise((r) => setTimeout(() => r(true), 11000)), null, { timeout: 20000 });
  assert.equal(page.workers().length, 0, 'ended when idle');
  await page.locator('#sc-scan-sample').click();
  await page.waitForFunction(() => document.querySelectorAll('#sc-table tbody tr').length >= 2, null, { timeout: 60000 });
  assert.equal(page.workers().length, 1);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('on a 390 px phone no lab is wider than the screen, and its main action is in reach', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const { page, log } = await openPage(browser, ctx);
  for (const { id: lab, main: action, soon } of LABS) {
    if (soon) continue;
    await page.goto(`${server.url}#lab=${lab}`);
    await page.reload();
    await visible(page, `lab-${lab}`);
    await page.waitForTimeout(1500); // the lab's defaults and images arrive
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${lab}: ${width} px wide`);
    if (!(await page.locator(action).evaluate((e) => e.type === 'file'))) { // a file picker is styled through its label
      await page.locator(action).scrollIntoViewIfNeeded();
      const box = await page.locator(action).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${lab}: ${action} within the screen (${JSON.stringify(box)})`);
    }
    await shot(page, `phone-${lab}`);
  }
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
