import { CoreClient } from './client.js';
import { EvasionLab } from './evasion.js';
import { ScannerLab } from './scanner.js';
import { PoisoningLab } from './poisoning.js';
import { ExtractionLab } from './extraction.js';

const PAGE = 40;
// The committed models; `robust` is listed when the build shipped it.
const MODELS = {
  standard: { url: 'models/cifar10_resnet9.onnx', label: 'Standard (cifar10_resnet9.onnx)' },
  robust: { url: 'models/cifar10_resnet9_robust.onnx', label: 'Adversarially trained (cifar10_resnet9_robust.onnx)' },
};
let modelKey = 'standard';
const modelUrl = () => MODELS[modelKey].url;
const SAMPLES_URL = 'data/cifar10-test.bin';
const $ = (id) => document.getElementById(id);
const core = new CoreClient();
let classNames = [];
let total = 0;
let page = 0;
let selected = null;
let customModel = null; // {name, bytes} of an uploaded model, replayed after a worker restart
let lab = 'classify';
let evasion = null;
let scanner = null;
let poisoning = null;
let extraction = null;
const LABS = ['classify', 'evasion', 'extraction', 'scanner', 'poisoning'];
// Labs that work on the test images (the gallery column is shown for them only).
const IMAGE_LABS = ['classify', 'evasion'];

// --- URL state: #lab=classify&img=17, #lab=evasion&img=3&attack=pgd&eps=8&... -------------------
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const l = p.get('lab');
  return { lab: LABS.includes(l) ? l : 'classify', img: p.has('img') && p.get('img') !== '' ? Number(p.get('img')) : null, params: p };
}
function writeHash() {
  const p = new URLSearchParams();
  p.set('lab', lab);
  if (modelKey !== 'standard') p.set('model', modelKey);
  if (selected !== null && selected !== undefined) p.set('img', String(selected));
  if (lab === 'evasion' && evasion) for (const [k, v] of Object.entries(evasion.params())) p.set(k, v);
  if (lab === 'scanner' && scanner) for (const [k, v] of Object.entries(scanner.params())) p.set(k, v);
  if (lab === 'poisoning' && poisoning) for (const [k, v] of Object.entries(poisoning.params())) p.set(k, v);
  if (lab === 'extraction' && extraction) for (const [k, v] of Object.entries(extraction.params())) p.set(k, v);
  history.replaceState(null, '', `#${p}`);
}

function showError(msg) {
  const e = $('error');
  if (!msg) { e.hidden = true; e.textContent = ''; return; }
  e.hidden = false;
  e.textContent = msg; // textContent: never parsed as HTML
}
function status(msg) { $('status').textContent = msg; }

function draw(canvas, rgba) {
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer ?? rgba), 32, 32), 0, 0);
}

function setLab(next) {
  lab = next;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.lab === lab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const l of LABS) $(`lab-${l}`).hidden = l !== lab;
  document.querySelector('.gallery-col').hidden = !IMAGE_LABS.includes(lab);
  // the poisoning and extraction labs report in their own status lines
  $('status').hidden = lab === 'poisoning' || lab === 'extraction';
}

// --- gallery --------------------------------------------------------------------------------
async function showPage(p) {
  page = Math.max(0, Math.min(p, Math.ceil(total / PAGE) - 1));
  const res = await core.call('samplePage', { start: page * PAGE, count: PAGE });
  const g = $('gallery');
  g.replaceChildren();
  for (const im of res.images) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.index = im.index;
    b.title = `#${im.index}: ${classNames[im.label]}`;
    b.setAttribute('aria-pressed', String(im.index === selected));
    const c = document.createElement('canvas');
    c.width = 32; c.height = 32;
    draw(c, im.rgba);
    b.append(c);
    b.addEventListener('click', () => selectSample(im.index));
    g.append(b);
  }
  $('gallery-range').textContent = `${page * PAGE}–${Math.min(total, (page + 1) * PAGE) - 1} of ${total}`;
  $('prev').disabled = page === 0;
  $('next').disabled = (page + 1) * PAGE >= total;
}

function showPrediction(pred, title, truth) {
  draw($('big'), pred.rgba);
  $('sel-title').textContent = title;
  $('sel-truth').textContent = truth === null ? 'Uploaded image (no true label)' : `True class: ${classNames[truth] ?? truth}`;
  $('sel-time').textContent = `Forward pass: ${pred.ms.toFixed(1)} ms (tract, WebAssembly)`;
  const bars = $('bars');
  bars.replaceChildren();
  for (const t of pred.top) {
    const row = document.createElement('div');
    row.className = 'bar' + (t.class === truth ? ' correct' : '');
    const name = document.createElement('span');
    name.textContent = t.name;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = `${(100 * t.probability).toFixed(2)}%`;
    track.append(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(100 * t.probability).toFixed(1)}%`;
    row.append(name, track, pct);
    bars.append(row);
  }
  bars.dataset.top = pred.top[0].name;
}

async function selectSample(index) {
  if (!(index >= 0 && index < total)) { showError(`There is no test image #${index}.`); return; }
  selected = index;
  writeHash();
  for (const b of $('gallery').querySelectorAll('button')) b.setAttribute('aria-pressed', String(Number(b.dataset.index) === index));
  try {
    const pred = await core.call('classifySample', { index });
    showError(null);
    showPrediction(pred, `#${index}: ${pred.top[0].name}`, pred.label);
    evasion?.select({ kind: 'sample', index });
    $('ev-selected').textContent = `#${index}: ${classNames[pred.label]} (the model says ${pred.top[0].name})`;
  } catch (e) { showError(e.message); }
}

async function classifyFile(file) {
  if (!file) return;
  status(`Classifying ${file.name}…`);
  try {
    const bytes = await file.arrayBuffer();
    const pred = await core.call('classifyUpload', { bytes }, { transfer: [bytes] });
    showError(null);
    selected = null;
    writeHash();
    showPrediction(pred, `${file.name}: ${pred.top[0].name}`, null);
    evasion?.select({ kind: 'upload', name: file.name, rgba: pred.rgba });
    $('ev-selected').textContent = `${file.name} (no true label: the attack moves it away from ${pred.top[0].name})`;
    status('Ready.');
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
    status('Ready.');
  }
}

async function loadModelFile(file) {
  if (!file) return;
  status(`Loading ${file.name}…`);
  try {
    const bytes = await file.arrayBuffer();
    const copy = bytes.slice(0); // the copy travels to the worker; `bytes` is kept for restarts
    const info = await core.call('loadModel', { bytes: copy, name: file.name }, { transfer: [copy] });
    customModel = { name: file.name, bytes };
    evasion?.modelChanged();
    showError(null);
    showModel(info);
    $('model-reset').hidden = false;
    if (selected !== null) await selectSample(selected);
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
  } finally {
    status('Ready.');
  }
}

function showModel(info) {
  $('model-info').textContent = `${info.name} · ${(info.bytes / 1048576).toFixed(2)} MB · ${info.classes} classes · ops: ${info.ops.join(', ')} · gradients: ${info.gradient === 'exact' ? 'exact' : 'estimated (an operation the gradient engine does not mirror)'}`;
}

async function loadDefault(opts = {}) {
  const res = await core.call('loadDefault', { modelUrl: modelUrl(), samplesUrl: SAMPLES_URL }, opts);
  classNames = res.classNames;
  total = res.samples;
  showModel(res.model);
  return res;
}

async function main() {
  $('build').textContent = '';
  let shipped = [MODELS.standard.url.split('/').pop()];
  try {
    const info = await (await fetch('build.json', { cache: 'no-store' })).json();
    if (Array.isArray(info.models)) shipped = info.models;
    $('build').textContent = `Build ${info.version}.`;
    if ('serviceWorker' in navigator) navigator.serviceWorker.register(`sw.js?v=${info.version}`).catch(() => {});
  } catch { /* development without build.json: no offline cache */ }

  const state = readHash();
  setLab(state.lab);
  // The scanner needs no model: it starts even if the classifier cannot load.
  scanner = new ScannerLab({ $, onChange: writeHash, showError });
  if (lab === 'scanner') scanner.applyParams(state.params).then(() => status('Ready.'));
  else scanner.loadSamples();
  // The poisoning lab needs no image model either.
  poisoning = new PoisoningLab({ $, onChange: writeHash, showError });
  if (lab === 'poisoning') poisoning.applyParams(state.params).then(writeHash, (e) => showError(e.message));
  // The extraction lab runs in its own worker (victim + surrogate).
  // Its defaults come from the core in its worker: fetched when the lab is first shown.
  extraction = new ExtractionLab({ $, onChange: writeHash, showError });
  if (lab === 'extraction') extraction.applyParams(state.params).then(writeHash, (e) => showError(e.message));
  // which committed models this build ships
  const choice = $('model-choice');
  for (const [key, m] of Object.entries(MODELS)) {
    if (key !== 'standard' && !shipped.includes(m.url.split('/').pop())) continue;
    const o = document.createElement('option');
    o.value = key; o.textContent = m.label;
    choice.append(o);
  }
  const wanted = state.params.get('model');
  if (wanted && [...choice.options].some((o) => o.value === wanted)) modelKey = wanted;
  choice.value = modelKey;
  try {
    await loadDefault();
  } catch (e) {
    status('');
    showError(`Could not start: ${e.message}. Run ./build.sh build (it packs the sample images and copies the model).`);
    return;
  }
  evasion = new EvasionLab({
    core, $, classNames, onChange: writeHash, showError,
    robustShipped: shipped.includes(MODELS.robust.url.split('/').pop()),
    // each pool worker loads the same model as the page
    poolSetup: async (client) => {
      await client.call('loadDefault', { modelUrl: modelUrl(), samplesUrl: SAMPLES_URL });
      if (customModel) await client.call('loadModel', { bytes: customModel.bytes.slice(0), name: customModel.name });
    },
  });
  evasion.sampleCount = total;
  evasion.applyParams(state.params);
  status('Ready. Choose an image, or drop your own.');
  const start = state.img !== null && state.img >= 0 && state.img < total ? state.img : 0;
  await showPage(Math.floor(start / PAGE));
  if (state.img !== null) await selectSample(state.img);
  else if (lab === 'evasion') await selectSample(0);

  $('prev').addEventListener('click', () => showPage(page - 1));
  $('next').addEventListener('click', () => showPage(page + 1));
  $('upload').addEventListener('change', (e) => classifyFile(e.target.files[0]));
  $('model-upload').addEventListener('change', (e) => { loadModelFile(e.target.files[0]); e.target.value = ''; });
  $('model-choice').addEventListener('change', async () => {
    modelKey = $('model-choice').value;
    customModel = null;
    $('model-reset').hidden = true;
    evasion?.modelChanged();
    status('Loading the model…');
    try {
      await loadDefault();
      writeHash();
      if (selected !== null) await selectSample(selected);
    } catch (e) { showError(e.message); }
    status('Ready.');
  });
  $('model-reset').addEventListener('click', async () => {
    customModel = null;
    evasion?.modelChanged();
    $('model-reset').hidden = true;
    await loadDefault();
    if (selected !== null) await selectSample(selected);
  });
  // a fresh worker (after Cancel or a crash) reloads the models it had before any other request
  core.setup = async () => {
    try {
      await loadDefault({ setup: true });
      if (customModel) showModel(await core.call('loadModel', { bytes: customModel.bytes.slice(0), name: customModel.name }, { setup: true }));
    } catch (e) { showError(e.message); }
  };
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); classifyFile(e.dataTransfer.files[0]); });
  window.addEventListener('hashchange', () => {
    const s = readHash();
    if (s.lab !== lab) {
      setLab(s.lab);
      if (lab === 'evasion') evasion.applyParams(s.params);
      if (lab === 'scanner') scanner.applyParams(s.params);
      if (lab === 'poisoning') poisoning.applyParams(s.params).then(writeHash, (e) => showError(e.message));
      if (lab === 'extraction') extraction.applyParams(s.params).then(writeHash, (e) => showError(e.message));
      if (selected === null && lab === 'evasion') selectSample(0);
      else writeHash();
    }
    else if (lab === 'scanner') scanner.applyParams(s.params);
    if (s.img !== null && s.img !== selected) { showPage(Math.floor(s.img / PAGE)); selectSample(s.img); }
  });
}

main();
