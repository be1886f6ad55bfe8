// Interview practice's worker operations (its own worker): the scenarios and the concept
// matcher, and one wasm PracticeLab for the hands-on checks (its files fetched when a check
// first needs them).
const URLS = {
  model: 'models/cifar10_resnet9.onnx',
  robust: 'models/cifar10_resnet9_robust.onnx',
  samples: 'data/cifar10-test.bin',
  spam: 'data/spam-assassin.bin',
};
const SETTERS = { model: 'setModel', robust: 'setRobust', samples: 'setSamples', spam: 'setSpam' };

export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  async function ready(...needs) {
    lab ??= new wasm.PracticeLab();
    for (const n of needs) if (!lab.has(n)) lab[SETTERS[n]](await fetchBytes(URLS[n]));
    return lab;
  }
  return {
    async practiceScenarios() { return wasm.practiceScenarios(); },
    async practiceCheck({ id, answer }) { return wasm.practiceCheck(id, answer); },
    async practiceMarkdown({ progress }) { return wasm.practiceMarkdown(progress); },
    async practiceEvasionTask({ seed }) { return (await ready('robust', 'samples')).evasionTask(seed); },
    async practiceCheckEvasion({ seed, eps }) { return (await ready('robust', 'samples')).checkEvasion(seed, eps); },
    async practiceCheckExtraction({ seed, policy, prada }, job) {
      return (await ready('model', 'samples')).checkExtraction(seed, policy, prada, (done, total) => job?.progress({ done, total }));
    },
    async practiceEvidence({ seed }) { return (await ready('spam')).poisoningEvidence(seed); },
    async practiceCheckPoisoning({ seed, source, uploader }) { return (await ready()).checkPoisoning(seed, source, uploader); },
  };
}
