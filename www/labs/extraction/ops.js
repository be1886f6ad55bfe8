// The extraction lab's worker operations (its own worker): the provider's mock API over the
// victim and the attacker's surrogate, one wasm ExtractionLab stepped by the page (a round of
// queries, epochs, an evaluation).
export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  return {
    async extractDefaults() { return wasm.ExtractionLab.defaults('quick'); },
    async extractLoad({ modelUrl, samplesUrl, params }) {
      const [mb, sb] = [await fetchBytes(modelUrl), await fetchBytes(samplesUrl)];
      lab?.free();
      lab = new wasm.ExtractionLab(mb, sb, params);
      return lab.info();
    },
    async extractConfigure({ params }) { lab.configure(params); return lab.keys(); },
    async extractStart({ params }) { return Array.from(lab.start(params)); },
    async extractRound() { return lab.queryRound(); },
    async extractEpoch() { return lab.trainEpoch(); },
    async extractPolish({ e, epochs }) { return lab.polishEpoch(e, epochs); },
    async extractEvaluate() { return lab.evaluate(); },
    async extractReport() { return lab.report(); },
    async extractTransfer({ params }) { return lab.transfer(params); },
    async extractTransferBegin({ params }) { return lab.transferBegin(params); },
    async extractTransferStep() { const more = lab.transferStep(); return { more, done: lab.transferDone() }; },
    async extractTransferFinish() { return lab.transferFinish(); },
    async extractKeys() { return lab.keys(); },
    async extractLog({ count, at }) { return at === undefined || at === null ? lab.log(count) : lab.logAt(at, count); },
    async extractVerify() { return lab.verify(); },
    async extractTamper({ seq }) { return lab.tamper(seq); },
  };
}
