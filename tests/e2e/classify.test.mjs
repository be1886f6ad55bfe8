// The classify lab in headless Chromium: the page loads clean, a gallery image and an
// uploaded PNG are classified by the wasm core, bad uploads give clear errors, the URL
// restores the view, it works offline after one visit, and nothing leaves localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test('hostile ONNX uploads (NaN weights, a graph that would take 419 MB) are refused with a sentence; the worker lives and the model stays', async () => {
  const { ctx, page, log } = await openPage(browser);
  await page.goto(`${server.url}#lab=classify&img=5`);
  await ready(page);
  await page.waitForSelector('#bars .bar');
  const before = await page.locator('#model-info').textContent();
  const workers = page.workers().length;
  const cases = [['hostile_nan.onnx', /hostile_nan\.onnx: .*NaN or infinite weights/], ['hostile_wide.onnx', /hostile_wide\.onnx: .*intermediate values would take 400 MB .* the limit is 128 MB/]];
  for (const [name, want] of cases) {
    const buffer = readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
    await page.setInputFiles('#model-upload', { name, mimeType: 'application/octet-stream', buffer });
    await page.waitForFunction((n) => document.getElementById('error').textContent.startsWith(n), name, { timeout: 30000 });
    const text = await page.locator('#error').textContent();
    assert.match(text, want);
    assert.doesNotMatch(text, /crashed|unreachable/);
    assert.equal(await page.locator('#model-info').textContent(), before);
  }
  assert.equal(page.workers().length, workers, 'no worker was restarted');
  await page.locator('#gallery button').nth(7).click();
  await page.waitForFunction(() => document.getElementById('sel-title').textContent.startsWith('#7:'));
  await page.waitForSelector('#bars .bar');
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

test('the CSP is also a header, so the workers have it: a worker cannot reach another origin; the offline cache holds only the build', async () => {
  const other = await startServer(); // a second origin that answers
  try {
    const res = await fetch(`${server.url}worker.js`);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp ?? '', /default-src 'self'.*connect-src 'self'/);
    const html = await (await fetch(server.url)).text();
    assert.ok(html.includes(`content="${csp}"`), 'the header is the page\'s own <meta> policy');
    const { ctx, page, log } = await openPage(browser);
    await page.goto(`${server.url}#lab=classify&img=1`);
    await ready(page);
    assert.ok(page.workers().length >= 1);
    const tries = await page.workers()[0].evaluate(async (u) => {
      const out = [];
      try { await fetch(u, { mode: 'no-cors' }); out.push('fetched'); } catch { out.push('fetch blocked'); }
      try { await import(`${u}app.js`); out.push('imported'); } catch { out.push('import blocked'); }
      return out;
    }, other.url);
    assert.deepEqual(tries, ['fetch blocked', 'import blocked']);
    // the page itself can still reach its own origin
    assert.equal(await page.evaluate(async () => (await fetch('build.json')).ok), true);
    // a made-up same-origin URL is answered but never cached
    await page.evaluate(async () => { await navigator.serviceWorker.ready; await fetch('build.json?made-up=1'); await fetch('index.html?x=2'); });
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const c = await caches.open(keys[0]);
      return (await c.keys()).map((r) => r.url);
    });
    assert.ok(!cached.some((u) => /made-up|x=2/.test(u)), cached.join(' '));
    assert.deepEqual(log.errors.filter((e) => !/Content Security Policy|Failed to fetch|dynamically imported/.test(e)), []);
    await ctx.close();
  } finally {
    other.stop();
  }
});
