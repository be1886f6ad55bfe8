// The privacy lab's worker operations (its own worker): one wasm PrivacyLab over the packed
// SpamAssassin corpus.
const CORPUS_URL = 'data/spam-assassin.bin';

export default function ops({ wasm, fetchBytes }) {
  let lab = null;
  return {
    async privacyDefaults() { return wasm.PrivacyLab.defaults('quick'); },
    async privacyRun({ request }, job) {
      lab ??= new wasm.PrivacyLab(await fetchBytes(CORPUS_URL));
      return lab.run(request, (done, total) => job?.progress({ done, total }));
    },
  };
}
