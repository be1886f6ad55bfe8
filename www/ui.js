// Widgets shared by the labs. Strings from files, e-mails or the core only ever reach the page
// as text nodes or textContent: nothing here parses HTML.

/** An element; children that are not Nodes become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** Draw a 32×32 RGBA image (Uint8Array or its buffer, 4096 bytes) on a 32×32 canvas. */
export function drawRgba(canvas, rgba) {
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer ?? rgba), 32, 32), 0, 0);
}

/** Probability bars into `box`: top = [{class, name, probability ∈ [0,1]}], sorted; the row of
 * class `truth` (or none: null) is marked correct. */
export function bars(box, top, truth) {
  box.replaceChildren();
  for (const t of top) {
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${(100 * t.probability).toFixed(2)}%`;
    box.append(el('div', { class: `bar${t.class === truth ? ' correct' : ''}` },
      el('span', {}, t.name), el('div', { class: 'track' }, fill), el('span', { class: 'pct' }, `${(100 * t.probability).toFixed(1)}%`)));
  }
}

/** Offer `text` as a file download named `name` (a Blob URL: nothing leaves the tab). */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
