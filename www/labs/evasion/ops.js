// The evasion lab's worker operations, over the image core's model (`core.attacker`) and test images.

// Feature squeezing, calibrated once per model at 5% false positives on 100 clean sample
// images (#900-#999, away from the first gallery pages), then applied to [original, adversarial].
const CALIB_START = 900;
const CALIB_COUNT = 100;

export default function ops(core) {
  const { wasm } = core;
  function squeezing(orig, adv) {
    const { attacker, samples } = core;
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
    if (!url) return core.attacker;
    if (!extra.has(url)) extra.set(url, new wasm.Attacker(await core.fetchBytes(url)));
    return extra.get(url);
  }
  return {
    async attackDefaults() { return wasm.attackDefaults(); },
    async evasionDefaults() { return wasm.evasionDefaults(); },
    async evaluateRange({ start, count, request, modelUrl }) {
      return (await attackerFor(modelUrl)).evaluate(core.samples.nchw(start, count), core.samples.labels(start, count), request);
    },
    async summarize({ tallies }) { return wasm.summarize(tallies); },
    async attackSample({ index, request }, job) {
      const rgba = core.samples.rgba(index);
      const r = core.attacker.attack(wasm.rgbaToNchw(rgba), core.samples.label(index), request, job?.progress);
      return { ...r, origRgba: rgba, squeezing: squeezing(wasm.rgbaToNchw(rgba), r.adv) };
    },
    async attackUpload({ rgba, request }, job) {
      // no true label: attack the model's own prediction
      const label = core.model.classify(rgba).top[0].class;
      const r = core.attacker.attack(wasm.rgbaToNchw(rgba), label, request, job?.progress);
      return { ...r, origRgba: rgba, squeezing: squeezing(wasm.rgbaToNchw(rgba), r.adv) };
    },
    async certify({ index, rgba, sigma, n0, n, alpha, seed }) {
      const px = index === undefined ? rgba : core.samples.rgba(index);
      return core.attacker.certify(wasm.rgbaToNchw(px), sigma, n0, n, alpha, seed);
    },
  };
}
