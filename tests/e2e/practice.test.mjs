// Interview practice in headless Chromium: scenarios from the core, the concept matcher on
// strong, weak and empty answers, the timer (off by default), answers that survive a reload,
// the Markdown export, and the three hands-on checks against the core's ground truth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const STRONG = 'First freeze the pipeline and snapshot the data as evidence. Compare the recent batches with the historical baseline using statistical tests. '
  + 'Inspect performance slices per class for subgroups that degraded. Check the provenance and access logs. Work with data engineering and the security team.';
const opened = (page, id) => page.waitForFunction((i) => document.getElementById('pr-scenario')?.value === i && !document.getElementById('lab-practice').hidden, id, { timeout: 60000 });

test('a scenario from a link; strong, weak and empty answers get the rubric the core computes; the timer is off until asked', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=practice&scenario=investigate`);
  await opened(page, 'investigate');
  const listed = JSON.parse(execFileSync('target/debug/mlsec', ['practice', '--json'], { encoding: 'utf8' }));
  assert.equal(await page.locator('#pr-scenario option').count(), listed.length);
  assert.ok(listed.length >= 10);
  assert.equal(await page.textContent('#pr-clock'), '', 'no timer runs by default');
  for (const [answer, want] of [[STRONG, 5], ['I would retrain the model.', 0], ['', 0]]) {
    await page.fill('#pr-answer', answer);
    await page.click('#pr-check');
    // the click clears the last verdict; wait for this answer's own, focused
    await page.waitForFunction((w) => document.getElementById('pr-score')?.textContent.startsWith(`${w} of 5`)
      && document.activeElement?.id === 'pr-score', want, { timeout: 30000 });
    assert.equal(await page.locator('#pr-feedback li.covered').count(), want);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pr-score', 'focus moves to the score');
  }
  // the page's verdict is the CLI's
  const cli = execFileSync('target/debug/mlsec', ['practice', '--scenario', 'investigate', '--answer', '-', '--json'], { input: STRONG, encoding: 'utf8' });
  assert.equal(JSON.parse(cli).covered, 5);
  await page.fill('#pr-answer', 'Compare with the historical baseline using a KS test.');
  await page.click('#pr-check');
  await page.waitForFunction(() => document.getElementById('pr-score')?.textContent.startsWith('1 of 5'));
  assert.ok(await page.locator('#pr-feedback li.missed a[href^="#lab=poisoning"]').count() >= 1, 'missed points link to the lab that shows them');
  assert.match(await page.textContent('#lab-practice'), /keyword-level/);
  // the timer, when asked
  await page.selectOption('#pr-timer', '5');
  await page.click('#pr-timer-start');
  await page.waitForFunction(() => /^[45]:\d\d left$/.test(document.getElementById('pr-clock').textContent));
  await page.click('#pr-timer-start');
  assert.equal(await page.textContent('#pr-clock'), 'Stopped.');
  await shot(page, 'practice-checked');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('answers survive a reload and export as Markdown', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const { page, log } = await openPage(browser, ctx);
  await page.goto(`${server.url}#lab=practice&scenario=stride`);
  await opened(page, 'stride');
  await page.fill('#pr-answer', 'Draw a data-flow diagram with trust boundaries. Denial of service: query flooding, answered by rate limiting.');
  await page.click('#pr-check');
  await page.waitForSelector('#pr-score');
  await page.reload();
  await opened(page, 'stride');
  assert.match(await page.inputValue('#pr-answer'), /query flooding/);
  assert.match(await page.locator('#pr-scenario option[value="stride"]').textContent(), /2\/7/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#pr-export')]);
  const md = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(md, /## Structure a threat model of an ML system with STRIDE/);
  assert.match(md, /Covered 2 of 7 points/);
  assert.match(md, /query flooding/);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('hands-on: name the poisoned source and account, find an ε that fools the robust model, stop the thief', async () => {
  const { ctx, page, log } = await openPage(browser);
  // the thief's seed is pinned: PRADA misses some thieves (seed 3141592653589 stays at W 0.938 > δ
  // 0.93 for all 400 queries), and a random draw made this test fail 1 run in ~24; the miss
  // itself is the test below
  await page.addInitScript(() => { if (!localStorage.getItem('mlsec:practice:v1')) localStorage.setItem('mlsec:practice:v1', JSON.stringify({ answers: {}, hands_on: {}, seeds: { extraction: 1111111111111 }, scores: {} })); });
  // poisoning: the evidence, a wrong answer, then the right one found by trying the evidence's accounts
  await page.goto(`${server.url}#lab=practice&scenario=backdoor`);
  await opened(page, 'backdoor');
  await page.click('#pr-po-evidence');
  await page.waitForSelector('#pr-po-tables table', { timeout: 60000 });
  const accounts = [...new Set(await page.locator('#pr-po-tables table:first-of-type tbody tr td:nth-child(2)').allTextContents())];
  const sources = await page.locator('#pr-po-source option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(accounts.length >= 4 && sources.length === 4);
  let passed = 0;
  for (const s of sources) {
    for (const a of accounts) {
      await page.selectOption('#pr-po-source', s);
      await page.fill('#pr-po-uploader', a);
      await page.click('#pr-po-check');
      await page.waitForFunction(() => !document.getElementById('pr-po-check').disabled && document.getElementById('pr-task-result').textContent !== '');
      if (/^Passed/.test(await page.textContent('#pr-task-result'))) passed++;
    }
  }
  assert.equal(passed, 1, 'exactly one source and account is the drawn one');
  assert.match(await page.locator('#pr-scenario option[value="backdoor"]').textContent(), /hands-on passed/);
  // evasion: an image the robust model gets right; ε above 16 fails even when it fools
  await page.selectOption('#pr-scenario', 'evasion');
  await page.waitForFunction(() => /^Your image: #\d+/.test(document.getElementById('pr-ev-task').textContent), null, { timeout: 60000 });
  await page.fill('#pr-ev-eps', '64');
  await page.click('#pr-ev-check');
  await page.waitForFunction(() => /above the task's 16\/255|still says/.test(document.getElementById('pr-task-result').textContent), null, { timeout: 60000 });
  await page.fill('#pr-ev-eps', '16');
  await page.click('#pr-ev-check');
  await page.waitForFunction(() => /^(Passed|Not yet)/.test(document.getElementById('pr-task-result').textContent), null, { timeout: 60000 });
  // extraction: a run can be cancelled; then PRADA blocking stops the thief and not the honest client
  await page.selectOption('#pr-scenario', 'extraction');
  await page.click('#pr-ex-check');
  await page.waitForSelector('#pr-task-cancel:not([hidden])');
  await page.click('#pr-task-cancel');
  await page.waitForFunction(() => document.getElementById('pr-task-result').textContent === 'Cancelled.' && !document.getElementById('pr-ex-check').disabled);
  await page.selectOption('#pr-ex-prada', 'block');
  await page.click('#pr-ex-check');
  await page.waitForFunction(() => /^(Passed|Not yet|The thief was stopped)/.test(document.getElementById('pr-task-result').textContent), null, { timeout: 240000 });
  assert.match(await page.textContent('#pr-task-result'), /^Passed: the Jacobian thief got \d+ of its 400 queries answered/);
  await shot(page, 'practice-hands-on');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('hands-on: a thief PRADA misses is said to be a miss of the detector, and another can be drawn', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.addInitScript(() => localStorage.setItem('mlsec:practice:v1', JSON.stringify({ answers: {}, hands_on: {}, seeds: { extraction: 3141592653589 }, scores: {} })));
  await page.goto(`${server.url}#lab=practice&scenario=extraction`);
  await opened(page, 'extraction');
  await page.selectOption('#pr-ex-prada', 'block');
  await page.click('#pr-ex-check');
  await page.waitForFunction(() => /^(Passed|Not yet|The thief was stopped|The right control)/.test(document.getElementById('pr-task-result').textContent), null, { timeout: 240000 });
  assert.match(await page.textContent('#pr-task-result'), /^The right control, but PRADA never caught this thief: its W stayed at 0\.9\d\d, above δ 0\.93/);
  await page.click('#pr-ex-new');
  assert.equal(await page.textContent('#pr-task-result'), 'A new thief is waiting.');
  const seed = await page.evaluate(() => JSON.parse(localStorage.getItem('mlsec:practice:v1')).seeds.extraction);
  assert.notEqual(seed, 3141592653589);
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
