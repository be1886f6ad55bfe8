// Print bench/results.json as the README's markdown table:  node tests/bench/table.mjs bench/results.json
import fs from 'node:fs';

const r = JSON.parse(fs.readFileSync(process.argv[2] || 'bench/results.json', 'utf8'));
const f = r.forward;
const ms = (v) => v.toFixed(2);
console.log(`Forward pass of \`${r.model.path}\`, ms per image, one thread (${r.machine.cpus}-core ${r.machine.cpu}, headless Chromium; ${r.date.slice(0, 10)}):

| engine | batch 1 | batch 32 |
|---|---|---|
| tract, WebAssembly + SIMD (ours) | ${ms(f.tract_wasm_ms_per_image.batch1)} | ${ms(f.tract_wasm_ms_per_image.batch32)} |
| onnxruntime-web 1.30 (wasm, SIMD) | ${ms(f.onnxruntime_web_ms_per_image.batch1)} | ${ms(f.onnxruntime_web_ms_per_image.batch32)} |
| tract, native (release) | ${ms(f.tract_native_ms_per_image.batch1)} | ${ms(f.tract_native_ms_per_image.batch32)} |
| **ratio tract-wasm / onnxruntime-web** (target ≤ ${f.target_ratio.toFixed(1)}) | **${f.ratio_tract_wasm_over_onnxruntime_web.batch1.toFixed(2)}** | **${f.ratio_tract_wasm_over_onnxruntime_web.batch32.toFixed(2)}** |

Largest logit difference between the two engines: ${f.max_abs_logit_diff_tract_vs_onnxruntime.toExponential(1)}. The wasm module is ${(r.wasm_bytes / 1048576).toFixed(1)} MB.`);

const g = r.gradient_engine;
if (g) {
  const p = r.pgd10_browser;
  console.log(`
Gradient engine (\`nn\`, our differentiable mirror of the same ONNX file), batch 32, one thread:

| measure | WebAssembly | native | target |
|---|---|---|---|
| nn forward / tract forward | ${g.nn_over_tract_forward.wasm.toFixed(2)} | ${g.nn_over_tract_forward.native.toFixed(2)} | ≤ ${g.nn_over_tract_forward.target} |
| PGD step (forward + input gradient) / nn forward | ${g.pgd_step_over_nn_forward.wasm.toFixed(2)} | ${g.pgd_step_over_nn_forward.native.toFixed(2)} | ≤ ${g.pgd_step_over_nn_forward.target} |
| nn forward, ms/image | ${ms(g.ms_per_image.nn_forward_wasm)} | ${ms(g.ms_per_image.nn_forward_native)} | |
| PGD step, ms/image | ${ms(g.ms_per_image.pgd_step_wasm)} | ${ms(g.ms_per_image.pgd_step_native)} | |

PGD-10 (ε = 8/255) on ${p.images} test images in the browser with ${p.workers} workers: ${p.seconds.toFixed(1)} s (clean ${(100 * p.clean_acc).toFixed(0)}%, robust ${(100 * p.robust_acc).toFixed(0)}%). Largest logit difference nn vs tract: ${g.max_abs_logit_diff_nn_vs_tract.toExponential(1)}.`);
}
