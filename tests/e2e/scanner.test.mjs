// The model-scanner lab in headless Chromium: a sample from the URL is scanned and its
// offending opcodes highlighted; dropped files are scanned locally (a hostile file name is
// shown as text, never as HTML); a large file is read in slices; every sample gives the
// expected verdict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const manifest = JSON.parse(fs.readFileSync('tests/fixtures/scan/manifest.json', 'utf8'));

async function rows(page) {
  return page.$$eval('#sc-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
}

test('a sample named in the URL is scanned, with the offending opcodes highlighted', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=scanner&sample=malicious/modelscan85_build_memo.pkl`);
  await page.waitForSelector('#sc-table tbody tr', { timeout: 60000 });
  assert.equal(await page.locator('.gallery-col').isVisible(), false);
  const [row] = await rows(page);
  assert.equal(row[0], 'modelscan85_build_memo.pkl');
  assert.equal(row[1], 'pickle');
  assert.equal(row[3], 'CRITICAL');
  const rules = await page.$$eval('#sc-detail .finding code', (cs) => cs.map((c) => c.textContent));
  assert.ok(rules.includes('pickle.dynamic-import') && rules.includes('pickle.mutates-global'), rules.join(','));
  // the disassembly marks STACK_GLOBAL and the BUILD on numpy.prod
  const flagged = await page.$$eval('.dis tr.flag', (trs) => trs.map((tr) => tr.children[1].textContent));
  assert.ok(flagged.includes('STACK_GLOBAL') && flagged.includes('BUILD'), flagged.join(','));
  assert.match(page.url(), /lab=scanner&sample=malicious%2Fmodelscan85_build_memo\.pkl/);
  await shot(page, 'scanner-modelscan85');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('dropped files are scanned locally; a hostile file name stays text; a 256 MB file is read in slices', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=scanner`);
  await page.waitForFunction(() => document.querySelectorAll('#sc-sample option').length > 50, null, { timeout: 60000 });
  const evil = '<img src=x onerror="window.__pwned=1">.pkl';
  await page.locator('#sc-files').setInputFiles([
    { name: evil, mimeType: 'application/octet-stream', buffer: fs.readFileSync('tests/fixtures/scan/malicious/os_system_p0.pkl') },
    { name: 'state_dict.pt', mimeType: 'application/octet-stream', buffer: fs.readFileSync('tests/fixtures/scan/benign/state_dict.pt') },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('#sc-table tbody tr').length === 2, null, { timeout: 60000 });
  let r = await rows(page);
  assert.equal(r[0][0], evil);
  assert.equal(r[0][3], 'CRITICAL');
  assert.deepEqual([r[1][0], r[1][1], r[1][3]], ['state_dict.pt', 'torch-zip', 'clean']);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('#sc-table img').count(), 0);

  // A 256 MB pickle: one BINBYTES8 payload, then os.system called on a string. The scanner
  // seeks over the payload (1 MiB slices of the File), so it finds the call at the end.
  const big = path.join(os.tmpdir(), `mlsec-big-${process.pid}.pkl`);
  const payload = 256 << 20;
  const fd = fs.openSync(big, 'w');
  const head = Buffer.alloc(11);
  head[0] = 0x80; head[1] = 4; head[2] = 0x8e; head.writeBigUInt64LE(BigInt(payload), 3);
  fs.writeSync(fd, head);
  const zeros = Buffer.alloc(1 << 24);
  for (let i = 0; i < payload / zeros.length; i++) fs.writeSync(fd, zeros);
  fs.writeSync(fd, Buffer.from('0cos\nsystem\n(Vid\ntR.', 'latin1'));
  fs.closeSync(fd);
  try {
    await page.locator('#sc-files').setInputFiles(big);
    await page.waitForFunction(() => document.querySelectorAll('#sc-table tbody tr').length === 3, null, { timeout: 120000 });
  } finally {
    fs.rmSync(big, { force: true });
  }
  r = await rows(page);
  assert.equal(r[2][3], 'CRITICAL');
  assert.equal(r[2][2], '256.0 MiB');
  const globals = await page.$$eval('#sc-detail .finding', (fs) => fs.map((f) => f.textContent));
  assert.ok(globals.some((t) => t.includes('os.system') && t.includes(`byte ${(256 << 20) + 12}`)), globals.join('\n'));
  await shot(page, 'scanner-uploads');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('every sample gets the verdict the corpus expects', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=scanner`);
  await page.waitForFunction(() => document.querySelectorAll('#sc-sample option').length > 50, null, { timeout: 60000 });
  await page.locator('#sc-scan-all').click();
  const hostile = Object.keys(manifest.malicious).length;
  const benign = manifest.benign.length;
  await page.waitForFunction((n) => document.querySelectorAll('#sc-table tbody tr').length === n, hostile + benign, { timeout: 120000 });
  assert.equal(await page.locator('#sc-summary').textContent(),
    `Samples: ${hostile} of ${hostile} hostile files flagged; ${benign} of ${benign} benign files clean.`);
  const r = await rows(page);
  const order = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  for (const row of r) {
    const want = manifest.malicious[row[0]];
    if (want) assert.ok(order.indexOf(row[3]) >= order.indexOf(want.severity), `${row[0]}: ${row[3]} < ${want.severity}`);
    else assert.equal(row[3], 'clean', row[0]);
  }
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('"Scan every sample" counts its progress and can be cancelled, keeping what it scanned', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=scanner`);
  await page.waitForFunction(() => document.querySelectorAll('#sc-sample option').length > 50, null, { timeout: 60000 });
  await page.locator('#sc-scan-all').click();
  await page.waitForFunction(() => /^Scanning the samples: [3-9]\d* of \d+/.test(document.getElementById('sc-summary').textContent), null, { timeout: 60000 });
  await page.locator('#sc-cancel').click();
  await page.waitForFunction(() => /^Cancelled after \d+ of \d+ samples\.$/.test(document.getElementById('sc-summary').textContent), null, { timeout: 10000 });
  const kept = Number(/after (\d+) of/.exec(await page.textContent('#sc-summary'))[1]);
  assert.ok(kept >= 3);
  assert.equal(await page.locator('#sc-table tbody tr').count(), kept);
  // the fresh worker scans again
  await page.locator('#sc-scan-sample').click();
  await page.waitForFunction((n) => document.querySelectorAll('#sc-table tbody tr').length === n + 1, kept, { timeout: 60000 });
  assert.deepEqual(log.errors, []);
  await ctx.close();
});
