// The threat model's worker operations (its own worker): one wasm ThreatLab holding what the
// measurements run on (fetched when a measurement first needs it) and the measurements run.
const URLS = {
  model: 'models/cifar10_resnet9.onnx',
  robust: 'models/cifar10_resnet9_robust.onnx',
  samples: 'data/cifar10-test.bin',
  spam: 'data/spam-assassin.bin',
};
const SCAN = 'scan-samples/';

export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  const get = () => (lab ??= new wasm.ThreatLab());
  async function load(need) {
    const l = get();
    if (l.has(need)) return;
    if (need === 'model') l.setModel(await fetchBytes(URLS.model));
    else if (need === 'robust') l.setRobust(await fetchBytes(URLS.robust));
    else if (need === 'samples') l.setSamples(await fetchBytes(URLS.samples));
    else if (need === 'spam') l.setSpam(await fetchBytes(URLS.spam));
    else if (need === 'scan_samples') {
      const r = await fetch(`${SCAN}manifest.json`);
      if (!r.ok) throw new Error(`${SCAN}manifest.json: HTTP ${r.status}`);
      const m = await r.json();
      for (const name of Object.keys(m.malicious || {})) l.addScanSample(name, await fetchBytes(`${SCAN}malicious/${encodeURIComponent(name)}`), true);
      for (const name of m.benign || []) l.addScanSample(name, await fetchBytes(`${SCAN}benign/${encodeURIComponent(name)}`), false);
    }
  }
  return {
    async threatDefaults() { return wasm.threatDefaults(); },
    async threatModel({ edits }) { return wasm.threatModel(edits); },
    async threatMeasure({ control, params }, job) {
      const needs = wasm.threatNeeds()[control];
      if (!needs) throw new Error(`no measurement for ${control}`);
      for (const n of needs) await load(n);
      return get().measure(control, params, (done, total) => job?.progress({ done, total }));
    },
    async threatRestore({ measured }) { get().restore(measured); return true; },
    async threatMarkdown({ edits, site }) { return get().markdown(edits, site); },
    async threatOtm({ edits }) { return get().otm(edits); },
  };
}
