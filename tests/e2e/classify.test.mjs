// The classify lab in headless Chromium: the page loads clean, a gallery image and an
// uploaded PNG are classified by the wasm core, bad uploads give clear errors, the URL
// restores the view, it works offline after one visit, and nothing leaves localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

async function ready(page) {
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });
}

test('page loads, a gallery image is classified, the URL records it', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(server.url);
  await ready(page);
  assert.equal(await page.locator('#gallery button').count(), 40);
  // the model's ONNX op types, from the core; controls for other states stay hidden
  assert.match(await page.locator('#model-info').textContent(), /^cifar10_resnet9\.onnx · .* · 10 classes · ops: .*Conv.*Gemm/);
  assert.equal(await page.locator('#cancel').isVisible(), false);
  assert.equal(await page.locator('#model-reset').isVisible(), false);
  await page.locator('#gallery button').nth(3).click();
  await page.waitForSelector('#bars .bar');
  assert.equal(await page.locator('#bars .bar').count(), 5);
  const pcts = await page.locator('#bars .pct').allTextContents();
  const values = pcts.map((p) => parseFloat(p));
  assert.ok(values.every((v, i) => i === 0 || v <= values[i - 1]), `sorted: ${pcts}`);
  assert.ok(values[0] > 0 && values[0] <= 100);
  assert.match(page.url(), /#lab=classify&img=3$/);
  assert.match(await page.locator('#sel-title').textContent(), /^#3: /);
  await shot(page, 'classify-gallery');
  assert.deepEqual(log.errors, []);
  assert.deepEqual([...log.origins], [server.origin]);
  await ctx.close();
});

test('a link restores the selected image', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify&img=57`);
  await ready(page);
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('#57:'));
  assert.equal(await page.locator('#gallery-range').textContent(), '40–79 of 1000');
  assert.equal(await page.locator('#gallery button[aria-pressed="true"]').getAttribute('data-index'), '57');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('an uploaded PNG of odd size is classified; a non-image gets a clear error', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify&img=10`);
  await ready(page);
  await page.waitForSelector('#bars .bar');
  // a real PNG of odd size (61x37) cut from the page's own rendering of a test image
  const png = await page.locator('#big').screenshot({ clip: undefined });
  const box = await page.locator('#big').boundingBox();
  const odd = await page.screenshot({ clip: { x: box.x + 10, y: box.y + 20, width: 61, height: 37 } });
  assert.ok(png.length > 0);
  await page.setInputFiles('#upload', { name: 'odd.png', mimeType: 'image/png', buffer: odd });
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('odd.png:'));
  assert.equal(await page.locator('#bars .bar').count(), 5);
  assert.equal(await page.locator('#error').isHidden(), true);
  await shot(page, 'classify-upload');

  await page.setInputFiles('#upload', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('<script>alert(1)</script> not an image') });
  await page.waitForSelector('#error:not([hidden])');
  const err = await page.locator('#error').textContent();
  assert.match(err, /notes\.txt: the image could not be read/);
  assert.equal(await page.locator('#error script').count(), 0);
  await shot(page, 'classify-upload-error');
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('a broken ONNX upload shows an error and the standard model keeps working', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify&img=5`);
  await ready(page);
  await page.waitForSelector('#bars .bar');
  const before = await page.locator('#model-info').textContent();
  const good = await (await page.request.get(`${server.url}models/cifar10_resnet9.onnx`)).body();
  await page.setInputFiles('#model-upload', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: good.subarray(0, Math.floor(good.length / 2)) });
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').textContent(), /broken\.onnx: the model could not be loaded/);
  assert.equal(await page.locator('#model-info').textContent(), before);
  await shot(page, 'classify-broken-onnx');
  // still classifies with the standard model
  await page.locator('#gallery button').nth(7).click();
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('#7:'));
  // a valid upload replaces the model
  await page.setInputFiles('#model-upload', { name: 'copy.onnx', mimeType: 'application/octet-stream', buffer: good });
  await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('copy.onnx'));
  assert.deepEqual(log.errors, []);
  await ctx.close();
});

test('after one visit the site works offline', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(server.url);
  await ready(page);
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active.state;
  });
  // wait until the install step has cached every asset of the manifest
  await page.waitForFunction(async () => {
    const keys = await caches.keys();
    if (!keys.length) return false;
    const c = await caches.open(keys[0]);
    return (await c.keys()).length >= 8;
  }, null, { timeout: 30000, polling: 250 });
  await ctx.setOffline(true);
  await page.reload();
  await ready(page);
  await page.locator('#gallery button').nth(2).click();
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('#2:'));
  await shot(page, 'classify-offline');
  await ctx.close();
  assert.deepEqual(log.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
});
