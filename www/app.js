// The site's shell: the nav and the router from the lab registry, each lab's panel and page
// loaded from www/labs/<id>/, the shared status and error lines, and the URL state
// (#lab=<id>&<the lab's settings>). The router works from the first paint: a lab whose page or
// core is still loading says so. Each lab keeps its settings and results across lab switches; a
// link that carries settings applies them.
import { CoreClient } from './client.js';
import { Images } from './images.js';
import { LABS } from './labs/registry.js';

const $ = (id) => document.getElementById(id);
const READY = LABS.filter((l) => !l.soon);
const SHELL_KEYS = ['lab', 'model', 'img'];
const core = new CoreClient(); // the image core: the page's model and test images
let images = null;
let current = null; // the lab shown
const loaded = new Map(); // id -> Promise<page>
const shownOnce = new Set();
let booted = null; // build.json read: which models this build ships

function showError(msg) {
  const e = $('error');
  if (!msg) { e.hidden = true; e.textContent = ''; return; }
  e.hidden = false;
  e.textContent = msg; // textContent: never parsed as HTML
}
function status(msg) { $('status').textContent = msg; }

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const id = p.get('lab');
  return { lab: READY.find((l) => l.id === id) ?? READY[0], params: p };
}
/** Does the hash carry settings of the lab (not only its name, the model, the image)? */
const carriesSettings = (p) => [...p.keys()].some((k) => !SHELL_KEYS.includes(k));

async function writeHash() {
  const lab = current;
  const p = new URLSearchParams();
  p.set('lab', lab.id);
  if (lab.images) for (const [k, v] of Object.entries(images.params())) p.set(k, v);
  const page = loaded.has(lab.id) ? await loaded.get(lab.id) : null;
  if (lab !== current) return; // switched meanwhile
  if (page) for (const [k, v] of Object.entries(page.params())) p.set(k, v);
  history.replaceState(null, '', `#${p}`);
}
const onChange = () => { writeHash().catch(() => {}); };

/** Fetch the lab's panel into the page and construct its page (once). */
function load(lab) {
  if (!loaded.has(lab.id)) {
    const p = (async () => {
      await booted;
      const [html, mod] = await Promise.all([
        fetch(lab.panel).then((r) => { if (!r.ok) throw new Error(`${lab.panel}: HTTP ${r.status}`); return r.text(); }),
        lab.page(),
      ]);
      const t = document.createElement('template');
      t.innerHTML = html; // our own static markup, never data
      const section = t.content.firstElementChild;
      section.hidden = lab !== current;
      section.tabIndex = -1; // the skip link's target when the lab has no control
      $('labs').append(section);
      return new mod.default({ $, core, images, onChange, showError, status });
    })();
    loaded.set(lab.id, p);
    p.catch(() => loaded.delete(lab.id));
  }
  return loaded.get(lab.id);
}

async function go(lab, params) {
  current = lab;
  for (const a of $('nav').querySelectorAll('a[data-lab]')) {
    if (a.dataset.lab === lab.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const s of $('labs').querySelectorAll('section.lab')) s.hidden = s.id !== `lab-${lab.id}`;
  document.querySelector('.gallery-col').hidden = !lab.images;
  $('status').hidden = !!lab.ownStatus;
  const first = !shownOnce.has(lab.id);
  try {
    if (!loaded.has(lab.id)) status(`Loading the ${lab.label} lab…`);
    const page = await load(lab);
    if (current !== lab) return;
    shownOnce.add(lab.id);
    if (lab.images) await images.start(params);
    // the lab applies its settings before the image named in the URL is selected: a selection
    // shown beside the form means the form holds the URL's settings
    await page.show(params, first || carriesSettings(params));
    if (current !== lab) return;
    if (lab.images) {
      const img = params.get('img');
      if (img !== null && img !== '') {
        if (!/^\d+$/.test(img)) showError(`There is no test image “${img}”: img is an image number, #0–#${images.total - 1}.`);
        else if (Number(img) !== images.selected) await images.select(Number(img));
      }
      if (current !== lab) return;
    }
    if ($('status').textContent.startsWith('Loading the ')) status('Ready.');
    await writeHash();
  } catch (e) {
    showError(e.message);
  }
}

function nav() {
  const box = $('nav');
  box.replaceChildren();
  for (const l of LABS) {
    const a = document.createElement('a');
    a.dataset.lab = l.id;
    a.textContent = l.label;
    if (l.soon) { a.setAttribute('aria-disabled', 'true'); a.title = 'Coming soon'; }
    else a.href = `#lab=${l.id}`;
    box.append(a);
  }
}

/** The skip link: focus the shown lab's first control (past the nav and the gallery). */
function skip() {
  const section = $(`lab-${current.id}`);
  const first = section?.querySelector('select, input:not([type="hidden"]), textarea, button:not([disabled])');
  (first ?? section)?.focus();
}

async function main() {
  nav();
  $('skip').addEventListener('click', skip);
  window.addEventListener('hashchange', () => { const s = readHash(); go(s.lab, s.params); });
  const shipped = [];
  booted = fetch('build.json', { cache: 'no-store' }).then((r) => r.json()).then((b) => {
    if (Array.isArray(b.models)) shipped.push(...b.models);
    $('build').textContent = `Build ${b.version}.`;
    if ('serviceWorker' in navigator) navigator.serviceWorker.register(`sw.js?v=${b.version}`).catch(() => {});
  }).catch(() => { shipped.push('cifar10_resnet9.onnx'); /* development without build.json: no offline cache */ });
  images = new Images({ core, $, showError, status, onChange, shipped });
  const s = readHash();
  await go(s.lab, s.params);
  // the other labs' panels load in the background, so their tabs open at once
  for (const l of READY) load(l).catch(() => {});
}

main();
