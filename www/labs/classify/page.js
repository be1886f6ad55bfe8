// The classify lab: the selected test image (or an uploaded one) as the model sees it, and the
// model's top-5 probabilities with the forward pass's time, all from the image core.
import { bars, drawRgba } from '../../ui.js';

export default class ClassifyPage {
  constructor({ $, images }) {
    this.$ = $;
    this.images = images;
    images.on('select', (s) => this.showPrediction(s));
  }

  params() { return {}; }
  /** Shown: the gallery's current selection, if this page has not drawn it yet. */
  async show() {
    const s = this.images.source;
    if (s && s !== this.drawn) this.showPrediction(s);
  }

  showPrediction(source) {
    const $ = this.$;
    this.drawn = source;
    const { pred } = source;
    const names = this.images.classNames;
    const truth = source.kind === 'sample' ? source.label : null;
    drawRgba($('big'), pred.rgba);
    $('sel-title').textContent = source.kind === 'sample' ? `#${source.index}: ${pred.top[0].name}` : `${source.name}: ${pred.top[0].name}`;
    $('sel-truth').textContent = truth === null ? 'Uploaded image (no true label)' : `True class: ${names[truth] ?? truth}`;
    $('sel-time').textContent = `Forward pass: ${pred.ms.toFixed(1)} ms (tract, WebAssembly)`;
    bars($('bars'), pred.top, truth);
    $('bars').dataset.top = pred.top[0].name;
  }
}
