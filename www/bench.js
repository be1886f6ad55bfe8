// Times the committed model's forward pass at batch 1 and 32 under tract-wasm and under
// onnxruntime-web, in the same page, same inputs. Result in window.benchResult.
import init, { Model } from './pkg/mlsec.js';

const MODEL = 'models/cifar10_resnet9.onnx';
const SECONDS = Number(new URLSearchParams(location.search).get('seconds') || 3);

function inputs(n) {
  // xorshift32, seeded: the same values for both engines
  let s = 12345;
  const v = new Float32Array(n * 3 * 32 * 32);
  for (let i = 0; i < v.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; v[i] = ((s >>> 0) % 10000) / 10000; }
  return v;
}

async function timeIt(fn, batch) {
  await fn(); // warm-up
  // each sample times a block of calls lasting >= ~50 ms: the browser's clock is coarse (0.1 ms)
  let reps = 1;
  for (let t = performance.now(); performance.now() - t < 50; reps++) await fn();
  const times = [];
  const start = performance.now();
  while (times.length < 5 || performance.now() - start < SECONDS * 1000) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await fn();
    times.push((performance.now() - t) / (batch * reps));
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], runs: times.length };
}

async function main() {
  const out = document.getElementById('out');
  const bytes = new Uint8Array(await (await fetch(MODEL)).arrayBuffer());
  await init({ module_or_path: './pkg/mlsec_bg.wasm' });
  const tract = new Model(bytes);
  const ort = await import('./vendor/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = new URL('./vendor/ort/', location.href).href;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

  const res = { userAgent: navigator.userAgent, seconds_per_case: SECONDS };
  let maxDiff = 0;
  for (const batch of [1, 32]) {
    const x = inputs(batch);
    const t = await timeIt(() => tract.logits(x, batch), batch);
    const feeds = { input: new ort.Tensor('float32', x, [batch, 3, 32, 32]) };
    const o = await timeIt(() => session.run(feeds), batch);
    const a = tract.logits(x, batch);
    const b = (await session.run(feeds)).logits.data;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    res[`tract_wasm_ms_per_image_batch${batch}`] = t.ms;
    res[`ort_web_ms_per_image_batch${batch}`] = o.ms;
    res[`ratio_tract_over_ort_batch${batch}`] = t.ms / o.ms;
    res[`runs_batch${batch}`] = { tract: t.runs, ort: o.runs };
  }
  res.max_abs_logit_diff_tract_vs_ort = maxDiff;
  window.benchResult = res;
  out.textContent = JSON.stringify(res, null, 2);
}
main().catch((e) => { window.benchResult = { error: String(e) }; document.getElementById('out').textContent = String(e); });
