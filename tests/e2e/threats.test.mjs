// The threat model page in headless Chromium: the diagram (keyboard-operable), threats by
// element, a demo link that opens its lab with its settings, controls measured by the core in
// the page, edits that survive a reload, exports that validate against OTM 0.2.0 (as does the
// CLI's), hostile text kept as text, and nothing leaving localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import Ajv from 'ajv';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const schema = JSON.parse(fs.readFileSync('../shared/reference/otm-0.2.0.schema.json', 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const shown = (page) => page.waitForSelector('#lab-threats:not([hidden]) article.threat', { timeout: 60000 });

test('the diagram lists the elements, an element filters its threats, a demo opens its lab with its settings', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=threats`);
  await shown(page);
  const model = JSON.parse(execFileSync('target/debug/mlsec', ['threats', '--no-measure', '--format', 'json'], { encoding: 'utf8' })).model;
  assert.equal(await page.locator('#th-dfd [data-element]').count(), model.elements.length);
  assert.equal(await page.locator('article.threat').count(), model.threats.length);
  // every element is in the tab order and says what it is
  const labels = await page.locator('#th-dfd [data-element]').evaluateAll((gs) => gs.map((g) => [g.getAttribute('tabindex'), g.textContent, document.getElementById(g.getAttribute('aria-describedby'))?.textContent]));
  for (const [tab, name, desc] of labels) { assert.equal(tab, '0'); assert.match(name, /^\S.* \d+ threats?/); assert.match(desc, / in /); }
  // the keyboard selects the serving API: its threats only, and the URL says so
  await page.focus('#th-dfd [data-element="serving"]');
  await page.keyboard.press('Enter');
  const serving = model.threats.filter((t) => t.element === 'serving').length;
  await page.waitForFunction((n) => document.querySelectorAll('article.threat').length === n, serving);
  assert.match(await page.textContent('#th-list-title'), /Serving API/);
  await page.waitForFunction(() => location.hash.includes('element=serving'));
  await shot(page, 'threats-serving');
  // the extraction demo opens the extraction lab with the demo's settings
  const demo = model.threats.find((t) => t.id === 'extraction').demo;
  await page.locator('a.demo[data-demo="extraction"]').click();
  await page.waitForSelector('#lab-extraction:not([hidden])', { timeout: 30000 });
  await page.waitForFunction((b) => document.getElementById('ex-budget').value === b, demo.params.budget, { timeout: 30000 });
  assert.equal(await page.inputValue('#ex-strategy'), demo.params.strategy);
  assert.equal(await page.inputValue('#ex-prada'), demo.params.prada);
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin], 'nothing leaves localhost');
  await ctx.close();
});

test('a control is measured in the page; the exports validate against OTM 0.2.0 and carry it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const { page, log } = await openPage(browser, ctx);
  await page.goto(`${server.url}#lab=threats`);
  await shown(page);
  await page.locator('[data-threat="malicious-file"] button[data-measure="scanning"]').click();
  await page.waitForSelector('[data-threat="malicious-file"] [data-out="scanning"] .measured', { timeout: 60000 });
  const manifest = JSON.parse(fs.readFileSync('tests/fixtures/scan/manifest.json', 'utf8'));
  const hostile = Object.keys(manifest.malicious).length;
  const rows = await page.locator('[data-out="scanning"] td').allTextContents();
  assert.equal(rows[1], `${hostile} of ${hostile}`, 'every hostile sample fails the gate');
  assert.equal(rows[3], `0 of ${manifest.benign.length}`, 'no benign one does');
  // the same measurement from the CLI gives the same figures
  const cli = JSON.parse(execFileSync('target/debug/mlsec', ['threats', '--quick', '--only', 'scanning', '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.deepEqual(cli.measured.scanning.rows.map((r) => r.shown), [rows[1], rows[3]]);
  await page.locator('button[data-measure="rate-limit"]').first().click();
  await page.waitForSelector('[data-out="rate-limit"] .measured', { timeout: 120000 });
  assert.match(await page.locator('[data-out="rate-limit"] .measured').first().textContent(), /gets \d+ answered without a limit and \d+ with the token bucket/);
  // OTM from the page
  const [otmDl] = await Promise.all([page.waitForEvent('download'), page.click('#th-export-otm')]);
  const otm = JSON.parse(fs.readFileSync(await otmDl.path(), 'utf8'));
  assert.ok(validate(otm), JSON.stringify(validate.errors));
  const scanning = otm.mitigations.find((m) => m.id === 'scanning');
  assert.equal(scanning.attributes.measurement.rows[0].shown, `${hostile} of ${hostile}`);
  assert.equal(otm.mitigations.find((m) => m.id === 'adv-training').attributes.measurement, null, 'not measured: none invented');
  // Markdown from the page
  const [mdDl] = await Promise.all([page.waitForEvent('download'), page.click('#th-export-md')]);
  const md = fs.readFileSync(await mdDl.path(), 'utf8');
  assert.match(md, /^# Threat model: /);
  assert.ok(md.includes(`fails ${hostile} of ${hostile} hostile files`));
  assert.ok(md.includes(`${server.url}#lab=extraction&`), 'demo links point back at this site');
  // OTM from the CLI, measurements and all
  const cliOtm = JSON.parse(execFileSync('target/debug/mlsec', ['threats', '--quick', '--only', 'scanning,provenance', '--format', 'otm'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.ok(validate(cliOtm), JSON.stringify(validate.errors));
  assert.ok(!validate({ otmVersion: '0.2.0' }), 'the validator is not a rubber stamp');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await shot(page, 'threats-measured');
  await ctx.close();
});

test('statuses, notes and additions survive a reload; hostile text stays text; refused edits are kept aside', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=threats`);
  await shown(page);
  const before = await page.locator('#th-dfd [data-element]').count();
  await page.selectOption('select[data-status="evasion"]', 'mitigated');
  await page.fill('textarea[data-notes="evasion"]', 'adversarial training since v2');
  await page.fill('#th-el-name', 'Feature store <img src=x onerror=alert(1)>');
  await page.selectOption('#th-el-zone', 'data');
  await page.click('#th-el-add');
  await page.waitForFunction((n) => document.querySelectorAll('#th-dfd [data-element]').length === n + 1, before);
  await page.fill('#th-t-name', 'Feature store tampering');
  await page.selectOption('#th-t-element', 'element-1');
  await page.fill('#th-t-goal', 'skew the features');
  await page.click('#th-t-add');
  await page.waitForSelector('[data-threat="threat-1"]');
  await page.waitForTimeout(600); // the notes' debounce
  await page.reload();
  await shown(page);
  assert.equal(await page.inputValue('select[data-status="evasion"]'), 'mitigated');
  assert.equal(await page.inputValue('textarea[data-notes="evasion"]'), 'adversarial training since v2');
  assert.equal(await page.locator('#th-dfd [data-element]').count(), before + 1);
  assert.equal(await page.locator('#th-dfd img, #th-list img').count(), 0, 'a name is text, not markup');
  assert.match(await page.textContent('#th-alt-body'), /Feature store <img src=x onerror=alert\(1\)>/);
  // the CLI reads the page's edits
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#th-export-edits')]);
  const md = execFileSync('target/debug/mlsec', ['threats', '--no-measure', '--edits', await dl.path()], { encoding: 'utf8' });
  assert.match(md, /Feature store tampering/);
  assert.match(md, /adversarial training since v2/);
  await shot(page, 'threats-edited');
  // stored edits the core refuses: said, set aside, and the default model shown
  await page.evaluate(() => localStorage.setItem('mlsec:threats:edits:v1', JSON.stringify({ status: { 'no-such-threat': 'open' } })));
  await page.reload();
  await shown(page);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /could not be applied.*no-such-threat/);
  assert.equal(await page.evaluate(() => localStorage.getItem('mlsec:threats:edits:v1:refused')), JSON.stringify({ status: { 'no-such-threat': 'open' } }));
  assert.equal(await page.locator('#th-dfd [data-element]').count(), before);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
