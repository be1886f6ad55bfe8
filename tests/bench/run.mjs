// ./build.sh bench: open www/bench.html in headless Chromium, merge its numbers with the
// native ones, write bench/results.json.  node tests/bench/run.mjs NATIVE.json OUT.json
import fs from 'node:fs';
import os from 'node:os';
import { startServer, launch } from '../e2e/harness.mjs';

const [nativePath, outPath] = process.argv.slice(2);
const native = JSON.parse(fs.readFileSync(nativePath, 'utf8'));
const server = await startServer();
const browser = await launch();
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(`${server.url}bench.html?seconds=4&warmup=8`);
  await page.waitForFunction(() => window.benchResult, null, { timeout: 300000 });
  const web = await page.evaluate(() => window.benchResult);
  if (web.error) throw new Error(web.error);
  const model = 'models/cifar10_resnet9.onnx';
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, browser: web.userAgent },
    model: { path: model, bytes: fs.statSync(model).size },
    forward: {
      threads: 1,
      method: '8 s warm-up per engine and batch size (V8 runs wasm on baseline code until it tiers up: tract-wasm is ~2.5x slower in its first seconds), then 4 rounds alternating engines, 4 s timed per engine; median of ~50 ms samples',
      tract_wasm_ms_per_image: { batch1: web.tract_wasm_ms_per_image_batch1, batch32: web.tract_wasm_ms_per_image_batch32 },
      onnxruntime_web_ms_per_image: { batch1: web.ort_web_ms_per_image_batch1, batch32: web.ort_web_ms_per_image_batch32 },
      tract_native_ms_per_image: { batch1: native.ms_per_image_batch1, batch32: native.ms_per_image_batch32 },
      ratio_tract_wasm_over_onnxruntime_web: { batch1: web.ratio_tract_over_ort_batch1, batch32: web.ratio_tract_over_ort_batch32 },
      target_ratio: 1.0,
      max_abs_logit_diff_tract_vs_onnxruntime: web.max_abs_logit_diff_tract_vs_ort,
    },
    gradient_engine: {
      method: 'same warm-up and alternating rounds as above, batch 32, one thread',
      nn_over_tract_forward: { wasm: web.ratio_nn_over_tract_forward, native: native.nn_forward_over_tract, target: 1.5 },
      pgd_step_over_nn_forward: { wasm: web.ratio_pgd_step_over_nn_forward, native: native.pgd_step_over_nn_forward, target: 3.0 },
      ms_per_image: {
        nn_forward_wasm: web.nn_wasm_forward_ms_per_image_batch32, tract_forward_wasm: web.tract_wasm_forward_ms_per_image_batch32_same_run,
        pgd_step_wasm: web.pgd_step_wasm_ms_per_image_batch32,
        nn_forward_native: native.nn_forward_ms_per_image_batch32, pgd_step_native: native.pgd_step_ms_per_image_batch32,
      },
      max_abs_logit_diff_nn_vs_tract: web.max_abs_logit_diff_nn_vs_tract,
    },
    pgd10_browser: {
      images: 100, eps: '8/255', step: '2/255', workers: web.pgd10_workers,
      seconds: web.pgd10_100_images_seconds, robust_acc: web.pgd10_summary.robust_acc, clean_acc: web.pgd10_summary.clean_acc,
    },
    poisoning_browser: {
      method: 'one thread, wasm; filters trained on the full training split (4,388 messages) of the packed SpamAssassin corpus, median of 3 after a warm-up',
      load_corpus_seconds: web.poison_lab_load_seconds,
      train_seconds: { nb: web.poison_train_nb_seconds, lr: web.poison_train_lr_seconds, mlp: web.poison_train_mlp_seconds },
      test_accuracy: { nb: web.poison_train_nb_accuracy, lr: web.poison_train_lr_accuracy, mlp: web.poison_train_mlp_accuracy },
      target_train_seconds: 2.0,
      forensics_seconds: web.poison_forensics_seconds,
      forensics_precision: web.poison_forensics_precision, forensics_recall: web.poison_forensics_recall,
    },
    extraction_browser: {
      method: 'one thread, wasm; 500 natural queries through the mock API (the committed model answers in batches of 64), then training epochs over the 500 answers (flip + shift augmentation, Adam, batch 64), median of 3 after a warm-up',
      api_queries_per_second: web.extract_api_queries_per_second,
      surrogate_train_samples_per_second: { 'cnn-s': web['extract_train_cnn-s_samples_per_second'], 'cnn-m': web['extract_train_cnn-m_samples_per_second'], 'cnn-bn': web['extract_train_cnn-bn_samples_per_second'] },
    },
    wasm_bytes: fs.statSync('www/pkg/mlsec_bg.wasm').size,
  };
  fs.writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');
} finally {
  await browser.close();
  server.stop();
}
