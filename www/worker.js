// Owns the wasm instance. Messages: {id, op, args} -> {id, ok, result} | {id, ok:false, error, fatal}.
import init, { Model, Attacker, SampleSet, decodeImage, classNames, freshSeed, rgbaToNchw, summarize, scanBlob, scanBytes, PoisonLab, dpEpsilon, ExtractionLab, attackDefaults } from './pkg/mlsec.js';

let ready = null;
let model = null;
let attacker = null;
let samples = null;
let poisonLab = null;
let extractLab = null;

function boot() {
  if (!ready) ready = init({ module_or_path: new URL('./pkg/mlsec_bg.wasm', import.meta.url) });
  return ready;
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// Feature squeezing, calibrated once per model at 5% false positives on 100 clean sample
// images (#900-#999, away from the first gallery pages), then applied to [original, adversarial].
const CALIB_START = 900;
const CALIB_COUNT = 100;
function squeezing(orig, adv) {
  if (attacker.squeezingThreshold() === undefined) {
    const start = Math.min(CALIB_START, Math.max(0, samples.len() - CALIB_COUNT));
    attacker.calibrateSqueezing(samples.nchw(start, CALIB_COUNT), Math.min(CALIB_COUNT, samples.len()), 0.05);
  }
  const both = new Float32Array(orig.length * 2);
  both.set(orig, 0);
  both.set(adv, orig.length);
  return { ...attacker.squeezingReport(both, 2), calibration: `${CALIB_COUNT} clean sample images (#${CALIB_START}–#${CALIB_START + CALIB_COUNT - 1}) at 5% false positives` };
}

// Other committed models a task may name (the matrix's adversarially trained column), loaded once.
const extra = new Map();
async function attackerFor(url) {
  if (!url) return attacker;
  if (!extra.has(url)) extra.set(url, new Attacker(await fetchBytes(url)));
  return extra.get(url);
}

function describe(m, name, bytes) {
  return { name, bytes, classes: m.classes(), ops: m.ops(), gradient: attacker ? attacker.gradientKind() : null };
}

const ops = {
  async loadDefault({ modelUrl, samplesUrl }) {
    const mb = await fetchBytes(modelUrl);
    model?.free();
    model = new Model(mb);
    attacker?.free();
    attacker = new Attacker(mb);
    samples?.free();
    samples = new SampleSet(await fetchBytes(samplesUrl));
    return { model: describe(model, modelUrl.split('/').pop(), mb.length), samples: samples.len(), classNames: classNames() };
  },
  async loadModel({ bytes, name }) {
    const m = new Model(new Uint8Array(bytes)); // throws a clear error; the old model stays
    const a = new Attacker(new Uint8Array(bytes));
    model?.free();
    model = m;
    attacker?.free();
    attacker = a;
    return describe(model, name, bytes.byteLength);
  },
  async samplePage({ start, count }) {
    const out = [];
    const end = Math.min(samples.len(), start + count);
    for (let i = start; i < end; i++) out.push({ index: i, label: samples.label(i), rgba: samples.rgba(i) });
    return { total: samples.len(), images: out };
  },
  async classifySample({ index }) {
    const rgba = samples.rgba(index);
    const t = performance.now();
    const pred = model.classify(rgba);
    return { ...pred, rgba, label: samples.label(index), ms: performance.now() - t };
  },
  async freshSeed() { return freshSeed(); },
  async attackDefaults() { return attackDefaults(); },
  async evaluateRange({ start, count, request, modelUrl }) {
    return (await attackerFor(modelUrl)).evaluate(samples.nchw(start, count), samples.labels(start, count), request);
  },
  async summarize({ tallies }) { return summarize(tallies); },
  async attackSample({ index, request }) {
    const rgba = samples.rgba(index);
    const r = attacker.attack(rgbaToNchw(rgba), samples.label(index), request);
    return { ...r, origRgba: rgba, squeezing: squeezing(rgbaToNchw(rgba), r.adv) };
  },
  async attackUpload({ rgba, request }) {
    // no true label: attack the model's own prediction
    const label = model.classify(rgba).top[0].class;
    const r = attacker.attack(rgbaToNchw(rgba), label, request);
    return { ...r, origRgba: rgba, squeezing: squeezing(rgbaToNchw(rgba), r.adv) };
  },
  async certify({ index, rgba, sigma, n0, n, alpha, seed }) {
    const px = index === undefined ? rgba : samples.rgba(index);
    return attacker.certify(rgbaToNchw(px), sigma, n0, n, alpha, seed);
  },
  // The model scanner: a File is read in slices (FileReaderSync), never whole; nothing is uploaded.
  async scanFile({ file, name }) {
    const t = performance.now();
    const report = scanBlob(file, name || file.name, true);
    return { ...report, ms: performance.now() - t };
  },
  async scanUrl({ url, name }) {
    const bytes = await fetchBytes(url);
    const t = performance.now();
    const report = scanBytes(bytes, name, true);
    return { ...report, ms: performance.now() - t };
  },
  // The extraction lab (its own worker): the provider's mock API over the victim and the
  // attacker's surrogate, stepped by the page (a round of queries, epochs, an evaluation).
  async extractDefaults() { return ExtractionLab.defaults('quick'); },
  async extractLoad({ modelUrl, samplesUrl, params }) {
    const [mb, sb] = [await fetchBytes(modelUrl), await fetchBytes(samplesUrl)];
    extractLab?.free();
    extractLab = new ExtractionLab(mb, sb, params);
    return extractLab.info();
  },
  async extractConfigure({ params }) { extractLab.configure(params); return extractLab.keys(); },
  async extractStart({ params }) { return Array.from(extractLab.start(params)); },
  async extractRound() { return extractLab.queryRound(); },
  async extractEpoch() { return extractLab.trainEpoch(); },
  async extractPolish({ e, epochs }) { return extractLab.polishEpoch(e, epochs); },
  async extractEvaluate() { return extractLab.evaluate(); },
  async extractReport() { return extractLab.report(); },
  async extractTransfer({ params }) { return extractLab.transfer(params); },
  async extractKeys() { return extractLab.keys(); },
  async extractLog({ count }) { return extractLab.log(count); },
  async extractVerify() { return extractLab.verify(); },
  async extractTamper({ seq }) { return extractLab.tamper(seq); },
  // The poisoning lab (its own worker): one PoisonLab over the packed SpamAssassin corpus.
  async poisonDefaults() { return PoisonLab.defaults(); },
  async poisonLoad({ url, seed }) {
    const bytes = await fetchBytes(url);
    poisonLab?.free();
    poisonLab = new PoisonLab(bytes, seed);
    return { messages: poisonLab.size() };
  },
  async poisonRun({ request }) { return poisonLab.poison(request); },
  async poisonCurve({ request }) { return poisonLab.curve(request); },
  async poisonForensics({ request }) { return poisonLab.forensics(request); },
  async poisonDictionary({ request }) { return poisonLab.dictionary(request); },
  async poisonDp({ request }) { return poisonLab.dp(request); },
  async poisonMessage({ id }) { return poisonLab.message(id); },
  async poisonVerify() { return poisonLab.verify(); },
  async poisonTamper({ seq }) { return poisonLab.tamper(seq); },
  async poisonInspect({ raw, model, seed }) { return poisonLab.inspect(new Uint8Array(raw), model, seed); },
  async dpEpsilon({ q, sigma, steps, delta }) { return dpEpsilon(q, sigma, steps, delta); },
  async classifyUpload({ bytes }) {
    const rgba = decodeImage(new Uint8Array(bytes));
    const t = performance.now();
    const pred = model.classify(rgba);
    return { ...pred, rgba, ms: performance.now() - t };
  },
};

self.onmessage = async (ev) => {
  const { id, op, args } = ev.data;
  try {
    await boot();
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    const result = await ops[op](args || {});
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    // A RuntimeError is a wasm trap (a bug in the core): the instance is unusable, so the
    // client replaces this worker.
    const fatal = e instanceof WebAssembly.RuntimeError;
    const msg = e && e.message ? e.message : String(e);
    self.postMessage({ id, ok: false, fatal, error: fatal ? `The core crashed (${msg}); it has been restarted.` : msg });
  }
};
