// The poisoning lab's worker operations (its own worker): one wasm PoisonLab over the packed
// SpamAssassin corpus.
export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  return {
    async poisonDefaults() { return wasm.PoisonLab.defaults(); },
    async poisonLoad({ url, seed }) {
      const bytes = await fetchBytes(url);
      lab?.free();
      lab = new wasm.PoisonLab(bytes, seed);
      return { messages: lab.size() };
    },
    async poisonRun({ request }) { return lab.poison(request); },
    async poisonCurve({ request }) { return lab.curve(request); },
    async poisonForensics({ request }) { return lab.forensics(request); },
    async poisonDictionary({ request }) { return lab.dictionary(request); },
    async poisonDp({ request }) { return lab.dp(request); },
    async poisonMessage({ id }) { return lab.message(id); },
    async poisonVerify() { return lab.verify(); },
    async poisonTamper({ seq }) { return lab.tamper(seq); },
    async poisonInspect({ raw, model, seed }) { return lab.inspect(new Uint8Array(raw), model, seed); },
    async dpEpsilon({ q, sigma, steps, delta }) { return wasm.dpEpsilon(q, sigma, steps, delta); },
  };
}
