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
