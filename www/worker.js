// Owns the wasm instance. Messages: {id, op, args} -> {id, ok, result} | {id, ok:false, error, fatal}.
// The operations are the image core's (below: the page's model and test images, shared by the
// image labs) and each lab's own, from www/labs/<id>/ops.js through the registry.
import * as wasm from './pkg/mlsec.js';
// the registry awaits its labs' meta.js: imported here without blocking onmessage below
const registry = import('./labs/registry.js');

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** What the operations share: the wasm exports, the loaded model (tract `Model` and gradient
 * `Attacker` of the same bytes) and the test images. */
const core = { wasm, fetchBytes, model: null, attacker: null, samples: null };

function describe(m, name, bytes) {
  return { name, bytes, classes: m.classes(), ops: m.ops(), gradient: core.attacker ? core.attacker.gradientKind() : null };
}

const ops = {
  async loadDefault({ modelUrl, samplesUrl }) {
    const mb = await fetchBytes(modelUrl);
    core.model?.free();
    core.model = new wasm.Model(mb);
    core.attacker?.free();
    core.attacker = new wasm.Attacker(mb);
    core.samples?.free();
    core.samples = new wasm.SampleSet(await fetchBytes(samplesUrl));
    return { model: describe(core.model, modelUrl.split('/').pop(), mb.length), samples: core.samples.len(), classNames: wasm.classNames() };
  },
  async loadModel({ bytes, name }) {
    const m = new wasm.Model(new Uint8Array(bytes)); // throws a clear error; the old model stays
    const a = new wasm.Attacker(new Uint8Array(bytes));
    core.model?.free();
    core.model = m;
    core.attacker?.free();
    core.attacker = a;
    return describe(core.model, name, bytes.byteLength);
  },
  async samplePage({ start, count }) {
    const out = [];
    const end = Math.min(core.samples.len(), start + count);
    for (let i = start; i < end; i++) out.push({ index: i, label: core.samples.label(i), rgba: core.samples.rgba(i) });
    return { total: core.samples.len(), images: out };
  },
  async classifySample({ index }) {
    const rgba = core.samples.rgba(index);
    const t = performance.now();
    const pred = core.model.classify(rgba);
    return { ...pred, rgba, label: core.samples.label(index), ms: performance.now() - t };
  },
  async classifyUpload({ bytes }) {
    const rgba = wasm.decodeImage(new Uint8Array(bytes));
    const t = performance.now();
    const pred = core.model.classify(rgba);
    return { ...pred, rgba, ms: performance.now() - t };
  },
  async freshSeed() { return wasm.freshSeed(); },
};

let ready = null;
function boot() {
  if (!ready) {
    ready = (async () => {
      await wasm.default({ module_or_path: new URL('./pkg/mlsec_bg.wasm', import.meta.url) });
      for (const lab of (await registry).LABS) {
        if (!lab.ops) continue;
        const own = (await import(lab.ops)).default(core);
        for (const [name, fn] of Object.entries(own)) {
          if (ops[name]) throw new Error(`lab ${lab.id}: operation ${name} is defined twice`);
          ops[name] = fn;
        }
      }
    })();
  }
  return ready;
}

self.onmessage = async (ev) => {
  const { id, op, args } = ev.data;
  try {
    await boot();
    if (!Object.hasOwn(ops, op)) throw new Error(`unknown operation ${op}`);
    // a long op may report progress: the client hands it to the caller's onProgress
    const result = await ops[op](args || {}, { progress: (p) => self.postMessage({ id, progress: p }) });
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    // A RuntimeError is a wasm trap (a bug in the core): the instance is unusable, so the
    // client replaces this worker.
    const fatal = e instanceof WebAssembly.RuntimeError;
    const msg = e && e.message ? e.message : String(e);
    self.postMessage({ id, ok: false, fatal, error: fatal ? `The core crashed (${msg}); it has been restarted.` : msg });
  }
};
