// Times the committed model's forward pass at batch 1 and 32 under tract-wasm and under
// onnxruntime-web, in the same page, same inputs. Result in window.benchResult.
import init, { Model, Attacker, PoisonLab, ExtractionLab } from './pkg/mlsec.js';
import { WorkerPool } from './pool.js';

const MODEL = 'models/cifar10_resnet9.onnx';
const params = new URLSearchParams(location.search);
const SECONDS = Number(params.get('seconds') || 3); // timed seconds per engine and batch size
const WARMUP = Number(params.get('warmup') || 2); // warm-up seconds per engine and batch size
const ROUNDS = 4;

function inputs(n) {
  // xorshift32, seeded: the same values for both engines
  let s = 12345;
  const v = new Float32Array(n * 3 * 32 * 32);
  for (let i = 0; i < v.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; v[i] = ((s >>> 0) % 10000) / 10000; }
  return v;
}

// Per-image ms of one sample: a block of calls lasting >= ~50 ms (the browser clock is coarse).
async function sample(fn, batch, reps) {
  const t = performance.now();
  for (let r = 0; r < reps; r++) await fn();
  return (performance.now() - t) / (batch * reps);
}

async function calibrate(fn) {
  let reps = 0;
  for (const t = performance.now(); performance.now() - t < 50; reps++) await fn();
  return Math.max(1, reps);
}

// V8 runs wasm first on baseline code and tiers hot functions up in the background, so both
// engines are warmed up first, then timed in alternating rounds; the median sample counts.
async function timeBoth(engines, batch) {
  for (const e of engines) {
    const t = performance.now();
    while (performance.now() - t < WARMUP * 1000) await e.fn();
    e.reps = await calibrate(e.fn);
    e.samples = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const e of engines) {
      const t = performance.now();
      while (performance.now() - t < (SECONDS * 1000) / ROUNDS) e.samples.push(await sample(e.fn, batch, e.reps));
    }
  }
  for (const e of engines) {
    e.samples.sort((a, b) => a - b);
    e.ms = e.samples[Math.floor(e.samples.length / 2)];
  }
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
    const feeds = { input: new ort.Tensor('float32', x, [batch, 3, 32, 32]) };
    const t = { fn: async () => tract.logits(x, batch) };
    const o = { fn: () => session.run(feeds) };
    await timeBoth([t, o], batch);
    const a = tract.logits(x, batch);
    const b = (await session.run(feeds)).logits.data;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    res[`tract_wasm_ms_per_image_batch${batch}`] = t.ms;
    res[`ort_web_ms_per_image_batch${batch}`] = o.ms;
    res[`ratio_tract_over_ort_batch${batch}`] = t.ms / o.ms;
    res[`runs_batch${batch}`] = { tract: t.samples.length, ort: o.samples.length };
  }
  res.max_abs_logit_diff_tract_vs_ort = maxDiff;

  // The gradient engine (nn) against tract, and one PGD step (forward + input gradient)
  // against one nn forward, batch 32, same warm-up discipline.
  const attacker = new Attacker(bytes);
  {
    const x = inputs(32);
    const labels = new Uint32Array(32).map((_, i) => i % 10);
    const t = { fn: async () => tract.logits(x, 32) };
    const n = { fn: async () => attacker.nnLogits(x, 32) };
    const g = { fn: async () => attacker.inputGradient(x, labels) };
    await timeBoth([t, n, g], 32);
    res.nn_wasm_forward_ms_per_image_batch32 = n.ms;
    res.tract_wasm_forward_ms_per_image_batch32_same_run = t.ms;
    res.ratio_nn_over_tract_forward = n.ms / t.ms;
    res.pgd_step_wasm_ms_per_image_batch32 = g.ms;
    res.ratio_pgd_step_over_nn_forward = g.ms / n.ms;
    const a = tract.logits(x, 32);
    const b = attacker.nnLogits(x, 32);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    res.max_abs_logit_diff_nn_vs_tract = d;
  }

  // PGD-10 (ε = 8/255, step 2/255) on the first 100 sample images with the worker pool, as the
  // lab's "evaluate on N images" runs it.
  {
    const workers = Math.min(navigator.hardwareConcurrency || 2, 4);
    const pool = new WorkerPool(workers);
    await pool.start((c) => c.call('loadDefault', { modelUrl: MODEL, samplesUrl: 'data/cifar10-test.bin' }));
    const request = { attack: 'pgd', eps: 8 / 255, norm: 'linf', steps: 10, seed: 0, defense: 'none', adaptive: false };
    const tasks = [];
    for (let s = 0; s < 100; s += 10) tasks.push({ op: 'evaluateRange', args: { start: s, count: 10, request } });
    await pool.run(tasks.slice(0, workers)); // warm-up: every worker tiers up
    const t0 = performance.now();
    const tallies = await pool.run(tasks);
    res.pgd10_100_images_seconds = (performance.now() - t0) / 1000;
    res.pgd10_workers = workers;
    res.pgd10_summary = await pool.clients[0].call('summarize', { tallies });
    pool.cancel();
  }
  // The poisoning lab: load the packed SpamAssassin corpus (parse + tokenize + features), then
  // train each filter on the full training split (4,388 messages); median of 3 after one warm-up.
  {
    const corpus = new Uint8Array(await (await fetch('data/spam-assassin.bin')).arrayBuffer());
    let t0 = performance.now();
    const lab = new PoisonLab(corpus, 0);
    res.poison_lab_load_seconds = (performance.now() - t0) / 1000;
    for (const model of ['nb', 'lr', 'mlp']) {
      lab.train(model, 0);
      const times = [];
      let metrics = null;
      for (let r = 0; r < 3; r++) {
        t0 = performance.now();
        metrics = lab.train(model, 0);
        times.push((performance.now() - t0) / 1000);
      }
      times.sort((a, b) => a - b);
      res[`poison_train_${model}_seconds`] = times[1];
      res[`poison_train_${model}_accuracy`] = metrics.accuracy;
    }
    t0 = performance.now();
    const f = lab.forensics({ filter: 'lr', rate: 0.03, seed: 0 });
    res.poison_forensics_seconds = (performance.now() - t0) / 1000;
    res.poison_forensics_precision = f.precision;
    res.poison_forensics_recall = f.recall;
    lab.free();
  }
  // The extraction lab: 500 natural queries through the mock API (victim = the committed model,
  // answers in batches of 64), then surrogate training throughput per architecture (samples/s,
  // median of 3 epochs over the 500 answers after one warm-up epoch).
  {
    const mb = new Uint8Array(await (await fetch(MODEL)).arrayBuffer());
    const sb = new Uint8Array(await (await fetch('data/cifar10-test.bin')).arrayBuffer());
    const lab = new ExtractionLab(mb, sb, { policy: 'probs', rate: 1e9, burst: 1e9 });
    for (const arch of ['cnn-s', 'cnn-m', 'cnn-bn']) {
      lab.configure({ policy: 'probs', rate: 1e9, burst: 1e9 });
      lab.start({ strategy: 'natural', budget: 500, arch, epochs: 1, seed: 0 });
      let t0 = performance.now();
      while (lab.queryRound() !== null) { /* every round */ }
      const qs = (performance.now() - t0) / 1000;
      if (arch === 'cnn-s') res.extract_api_queries_per_second = 500 / qs;
      lab.trainEpoch();
      const times = [];
      for (let r = 0; r < 3; r++) {
        t0 = performance.now();
        lab.trainEpoch();
        times.push((performance.now() - t0) / 1000);
      }
      times.sort((a, b) => a - b);
      res[`extract_train_${arch}_samples_per_second`] = 500 / times[1];
    }
    lab.free();
  }
  window.benchResult = res;
  out.textContent = JSON.stringify(res, null, 2);
}
main().catch((e) => { window.benchResult = { error: String(e) }; document.getElementById('out').textContent = String(e); });
