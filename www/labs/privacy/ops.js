// The privacy lab's worker operations (its own worker): one wasm PrivacyLab over the packed
// SpamAssassin corpus, and one PrivacyInverter a committed model for model inversion.
const CORPUS_URL = 'data/spam-assassin.bin';
const SAMPLES_URL = 'data/cifar10-test.bin';
const MODELS = { standard: 'models/cifar10_resnet9.onnx', robust: 'models/cifar10_resnet9_robust.onnx' };

export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  const inverters = {};
  return {
    async privacyDefaults() { return wasm.PrivacyLab.defaults('quick'); },
    async privacyRun({ request }, job) {
      lab ??= new wasm.PrivacyLab(await fetchBytes(CORPUS_URL));
      return lab.run(request, (done, total) => job?.progress({ done, total }));
    },
    async privacyInvertDefaults() { return wasm.PrivacyInverter.defaults(); },
    /** { model: 'standard' | 'robust', request } -> { report, images: [RGBA bytes a class] } */
    async privacyInvert({ model, request }, job) {
      if (!Object.hasOwn(MODELS, model)) throw new Error(`model must be ${Object.keys(MODELS).join(' or ')}`);
      inverters[model] ??= new wasm.PrivacyInverter(await fetchBytes(MODELS[model]), MODELS[model].split('/').pop(), await fetchBytes(SAMPLES_URL));
      const inv = inverters[model];
      const report = inv.run(request, (done, total) => job?.progress({ done, total }));
      return { report, images: report.classes.map((_, i) => inv.rgba(i)) };
    },
  };
}
