// The image column shared by the image labs (meta `images: true`): the test-image gallery, an
// uploaded image, and the model (a committed one or the user's ONNX file), all in the page's
// image core (one worker). Started on the first show of an image lab. A selection is
// classified once and handed to every listener: {kind:'sample', index, label, pred} |
// {kind:'upload', name, rgba, pred}.
import { drawRgba } from './ui.js';

const PAGE = 40;
const SAMPLES_URL = 'data/cifar10-test.bin';
// The committed models; `robust` is listed when the build shipped it.
export const MODELS = {
  standard: { url: 'models/cifar10_resnet9.onnx', label: 'Standard (cifar10_resnet9.onnx)' },
  robust: { url: 'models/cifar10_resnet9_robust.onnx', label: 'Adversarially trained (cifar10_resnet9_robust.onnx)' },
};


export class Images {
  /** @param ctx {core, $, showError, status, onChange, shipped: [file names of the models this build ships]} */
  constructor({ core, $, showError, status, onChange, shipped }) {
    Object.assign(this, { core, $, showError, status, onChange, shipped });
    this.modelKey = 'standard';
    this.classNames = [];
    this.total = 0;
    this.page = 0;
    this.selected = null;
    this.source = null;
    this.customModel = null; // {name, bytes} of an uploaded model, replayed after a worker restart
    this.listeners = { select: [], model: [] };
    this.ready = null;
  }

  get robustShipped() { return this.shipped.includes(MODELS.robust.url.split('/').pop()); }
  modelUrl() { return MODELS[this.modelKey].url; }
  on(event, fn) { this.listeners[event].push(fn); }
  emit(event, arg) { for (const fn of this.listeners[event]) fn(arg); }

  /** Load the model and the images once; `params` may name `model` and `img`. */
  start(params) {
    if (!this.ready) {
      this.ready = this.boot(params);
      this.ready.catch(() => { this.ready = null; });
    }
    return this.ready;
  }

  async boot(params) {
    const $ = this.$;
    const choice = $('model-choice');
    choice.replaceChildren();
    for (const [key, m] of Object.entries(MODELS)) {
      if (key !== 'standard' && !this.shipped.includes(m.url.split('/').pop())) continue;
      const o = document.createElement('option');
      o.value = key; o.textContent = m.label;
      choice.append(o);
    }
    const wanted = params.get('model');
    if (wanted && [...choice.options].some((o) => o.value === wanted)) this.modelKey = wanted;
    choice.value = this.modelKey;
    this.status('Loading the model and the test images…');
    try {
      await this.loadDefault();
    } catch (e) {
      this.status('');
      throw new Error(`Could not start: ${e.message}. Run ./build.sh build (it packs the sample images and copies the model).`);
    }
    this.wire();
    const img = /^\d+$/.test(params.get('img') ?? '') ? Number(params.get('img')) : null;
    const start = img !== null && img < this.total ? img : 0;
    await this.showPage(Math.floor(start / PAGE));
    this.status('Ready. Choose an image, or drop your own.');
  }

  wire() {
    const $ = this.$;
    $('prev').addEventListener('click', () => this.showPage(this.page - 1));
    $('next').addEventListener('click', () => this.showPage(this.page + 1));
    $('upload').addEventListener('change', (e) => this.classifyFile(e.target.files[0]));
    $('model-upload').addEventListener('change', (e) => { this.loadModelFile(e.target.files[0]); e.target.value = ''; });
    $('model-choice').addEventListener('change', async () => {
      if ($('model-choice').value === 'custom') return;
      this.modelKey = $('model-choice').value;
      this.customModel = null;
      this.menuShows(null);
      $('model-reset').hidden = true;
      this.emit('model');
      this.status('Loading the model…');
      try {
        await this.loadDefault();
        this.onChange();
        await this.reselect();
      } catch (e) { this.showError(e.message); }
      this.status('Ready.');
    });
    $('model-reset').addEventListener('click', async () => {
      this.customModel = null;
      this.menuShows(null);
      this.emit('model');
      $('model-reset').hidden = true;
      await this.loadDefault();
      await this.reselect();
    });
    // a fresh worker (after Cancel or a crash) reloads the models it had before any other request
    this.core.setup = async () => {
      try {
        await this.loadDefault({ setup: true });
        if (this.customModel) this.showModel(await this.core.call('loadModel', { bytes: this.customModel.bytes.slice(0), name: this.customModel.name }, { setup: true }));
      } catch (e) { this.showError(e.message); }
    };
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); this.classifyFile(e.dataTransfer.files[0]); });
  }

  /** The model menu names the user's file (`name`) or, with null, the committed model in use. */
  menuShows(name) {
    const choice = this.$('model-choice');
    choice.querySelector('option[value="custom"]')?.remove();
    if (name !== null) {
      const o = document.createElement('option');
      o.value = 'custom';
      o.textContent = `Your file (${name})`;
      choice.append(o);
      choice.value = 'custom';
    } else choice.value = this.modelKey;
  }

  /** What a worker of a pool needs to serve the same model as the page. */
  async setupWorker(client) {
    await client.call('loadDefault', { modelUrl: this.modelUrl(), samplesUrl: SAMPLES_URL });
    if (this.customModel) await client.call('loadModel', { bytes: this.customModel.bytes.slice(0), name: this.customModel.name });
  }

  async loadDefault(opts = {}) {
    const res = await this.core.call('loadDefault', { modelUrl: this.modelUrl(), samplesUrl: SAMPLES_URL }, opts);
    this.classNames = res.classNames;
    this.total = res.samples;
    this.showModel(res.model);
    return res;
  }

  showModel(info) {
    this.$('model-info').textContent = `${info.name} · ${(info.bytes / 1048576).toFixed(2)} MB · ${info.classes} classes · ops: ${info.ops.join(', ')} · gradients: ${info.gradient === 'exact' ? 'exact' : 'estimated (an operation the gradient engine does not mirror)'}`;
  }

  /** URL keys of the column (merged into every image lab's). */
  params() {
    const p = {};
    if (this.modelKey !== 'standard') p.model = this.modelKey;
    if (this.selected !== null) p.img = String(this.selected);
    return p;
  }

  async showPage(p) {
    const $ = this.$;
    this.page = Math.max(0, Math.min(p, Math.ceil(this.total / PAGE) - 1));
    const res = await this.core.call('samplePage', { start: this.page * PAGE, count: PAGE });
    const g = $('gallery');
    g.replaceChildren();
    for (const im of res.images) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.index = im.index;
      b.title = `#${im.index}: ${this.classNames[im.label]}`;
      b.setAttribute('aria-pressed', String(im.index === this.selected));
      const c = document.createElement('canvas');
      c.width = 32; c.height = 32;
      drawRgba(c, im.rgba);
      b.append(c);
      b.addEventListener('click', () => this.select(im.index));
      g.append(b);
    }
    $('gallery-range').textContent = `${this.page * PAGE}–${Math.min(this.total, (this.page + 1) * PAGE) - 1} of ${this.total}`;
    $('prev').disabled = this.page === 0;
    $('next').disabled = (this.page + 1) * PAGE >= this.total;
  }

  /** Select test image `index` (shows its gallery page). */
  async select(index) {
    if (!(Number.isInteger(index) && index >= 0 && index < this.total)) { this.showError(`There is no test image #${index} (they are #0–#${this.total - 1}).`); return; }
    this.selected = index;
    this.onChange();
    if (Math.floor(index / PAGE) !== this.page) await this.showPage(Math.floor(index / PAGE));
    for (const b of this.$('gallery').querySelectorAll('button')) b.setAttribute('aria-pressed', String(Number(b.dataset.index) === index));
    try {
      const pred = await this.core.call('classifySample', { index });
      this.showError(null);
      this.source = { kind: 'sample', index, label: pred.label, pred };
      this.emit('select', this.source);
    } catch (e) { this.showError(e.message); }
  }

  async reselect() { if (this.selected !== null) await this.select(this.selected); }

  async classifyFile(file) {
    if (!file) return;
    this.status(`Classifying ${file.name}…`);
    try {
      const bytes = await file.arrayBuffer();
      const pred = await this.core.call('classifyUpload', { bytes }, { transfer: [bytes] });
      this.showError(null);
      this.selected = null;
      this.onChange();
      for (const b of this.$('gallery').querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
      this.source = { kind: 'upload', name: file.name, rgba: pred.rgba, pred };
      this.emit('select', this.source);
    } catch (e) {
      this.showError(`${file.name}: ${e.message}`);
    }
    this.status('Ready.');
  }

  async loadModelFile(file) {
    if (!file) return;
    this.status(`Loading ${file.name}…`);
    try {
      const bytes = await file.arrayBuffer();
      const copy = bytes.slice(0); // the copy travels to the worker; `bytes` is kept for restarts
      const info = await this.core.call('loadModel', { bytes: copy, name: file.name }, { transfer: [copy] });
      this.customModel = { name: file.name, bytes };
      this.menuShows(file.name);
      this.emit('model');
      this.showError(null);
      this.showModel(info);
      this.$('model-reset').hidden = false;
      await this.reselect();
    } catch (e) {
      this.showError(`${file.name}: ${e.message}`);
    } finally {
      this.status('Ready.');
    }
  }
}
