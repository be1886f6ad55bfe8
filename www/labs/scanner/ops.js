// The model scanner's worker operations: a File is read in slices (FileReaderSync), never
// whole; nothing is uploaded.
export default function ops({ wasm, fetchBytes }) {
  return {
    async scanFile({ file, name }) {
      const t = performance.now();
      const report = wasm.scanBlob(file, name || file.name, true);
      return { ...report, ms: performance.now() - t };
    },
    async scanUrl({ url, name }) {
      const bytes = await fetchBytes(url);
      const t = performance.now();
      const report = wasm.scanBytes(bytes, name, true);
      return { ...report, ms: performance.now() - t };
    },
  };
}
