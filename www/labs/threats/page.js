// The threat model: the deployment as an SVG data-flow diagram, STRIDE threats per element
// with their catalogue ids, demo links into the labs, the controls and their measured effects
// (run by the core in this lab's worker), the user's edits (localStorage), and the exports
// (Markdown and Open Threat Model, written by the core). Every string reaches the page as text.
import { CoreClient } from '../../client.js';
import { download, el } from '../../ui.js';

const STORE = 'mlsec:threats:edits:v1';
const SVG = 'http://www.w3.org/2000/svg';
const STRIDE = { spoofing: 'Spoofing', tampering: 'Tampering', repudiation: 'Repudiation', information_disclosure: 'Information disclosure', denial_of_service: 'Denial of service', elevation_of_privilege: 'Elevation of privilege' };
const SHAPE = { external: 'external entity', process: 'process', store: 'data store' };
const STATUS = ['open', 'mitigated', 'accepted'];
// the diagram's geometry (viewBox units)
const COL_W = 200;
const GAP = 16;
const BOX_W = 168;
const BOX_H = 58;
const ROW_H = 104;
const TOP = 50;

const empty = () => ({ status: {}, notes: {}, elements: [], flows: [], threats: [] });

function svg(tag, attrs = {}, text = null) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

export default class ThreatsPage {
  constructor({ $, onChange, showError }) {
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.core = new CoreClient();
    this.measured = {}; // control id -> the core's Measurement
    // a fresh worker (after Cancel) gets back the measurements this page has seen
    this.core.setup = (c) => c.call('threatRestore', { measured: this.measured });
    this.edits = empty();
    this.model = null;
    this.selected = null; // element id, or null: every threat
    this.running = false;
    this.noteTimers = new Map();
    $('th-measure-all').addEventListener('click', () => this.measureAll());
    $('th-cancel').addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
    $('th-export-md').addEventListener('click', () => this.exportMarkdown());
    $('th-export-otm').addEventListener('click', () => this.exportOtm());
    $('th-export-edits').addEventListener('click', () => download('mlsec-threat-model-edits.json', JSON.stringify(this.edits, null, 2), 'application/json'));
    $('th-reset').addEventListener('click', () => this.save(empty(), 'Your edits were reset; the default model is shown.'));
    $('th-el-add').addEventListener('click', () => this.addElement());
    $('th-t-add').addEventListener('click', () => this.addThreat());
    const stride = $('th-t-stride');
    for (const [v, name] of Object.entries(STRIDE)) stride.append(el('option', { value: v }, name));
  }

  params() { return this.selected ? { element: this.selected } : {}; }

  async show(p, first) {
    if (first || !this.model) await this.load();
    const e = p.get('element');
    this.select(e && this.model.elements.some((x) => x.id === e) ? e : null, false);
  }

  status(msg) { this.$('th-status').textContent = msg; }

  /** The stored edits over the core's default model; edits the core refuses are set aside, not lost. */
  async load() {
    let stored = null;
    try { stored = JSON.parse(localStorage.getItem(STORE) || 'null'); } catch { stored = undefined; }
    try {
      this.model = await this.core.call('threatModel', { edits: stored || empty() });
      this.edits = { ...empty(), ...(stored || {}) };
      this.status(stored ? 'Your edits from an earlier visit are applied.' : 'The default model. Select an element, open a demo, or measure a control.');
    } catch (e) {
      if (stored === null) throw e;
      localStorage.setItem(`${STORE}:refused`, localStorage.getItem(STORE) || '');
      localStorage.removeItem(STORE);
      this.model = await this.core.call('threatModel', { edits: empty() });
      this.edits = empty();
      this.showError(`Your stored edits could not be applied (${e.message}); they are kept aside under ${STORE}:refused and the default model is shown.`);
    }
    this.render();
  }

  /** Change the edits: `change(current)` gives the new ones, checked by the core, then kept and
   * (unless `quiet`: a note being typed) shown. Changes run one after another, each on the
   * result of the last, so none is lost. */
  save(change, msg, quiet = false) {
    this.saving = (this.saving ?? Promise.resolve()).then(async () => {
      const edits = typeof change === 'function' ? change(this.edits) : change;
      try {
        this.model = await this.core.call('threatModel', { edits });
        this.edits = edits;
        localStorage.setItem(STORE, JSON.stringify(edits));
        this.showError('');
        if (msg) this.status(msg);
        if (!quiet) this.render();
      } catch (e) {
        this.showError(e.message);
      }
    });
    return this.saving;
  }

  render() {
    // a control being used keeps the focus across the redraw
    const f = document.activeElement;
    const key = f && ['data-status', 'data-notes', 'data-measure'].find((a) => f.hasAttribute?.(a));
    const again = key ? `[${key}="${f.getAttribute(key)}"]` : null;
    this.renderDiagram();
    this.renderAlt();
    this.renderList();
    this.renderForms();
    if (again) this.$('th-list').querySelector(again)?.focus();
  }

  /** Element positions: one column per zone, in the model's zone order, rows in element order. */
  layout() {
    const pos = new Map();
    const rows = new Map();
    this.model.zones.forEach((z, i) => rows.set(z.id, { x: GAP + i * (COL_W + GAP), n: 0 }));
    for (const e of this.model.elements) {
      const r = rows.get(e.zone);
      pos.set(e.id, { x: r.x + (COL_W - BOX_W) / 2, y: TOP + r.n * ROW_H });
      r.n++;
    }
    const depth = Math.max(1, ...[...rows.values()].map((r) => r.n));
    return { pos, width: GAP + this.model.zones.length * (COL_W + GAP), height: TOP + depth * ROW_H };
  }

  renderDiagram() {
    const box = this.$('th-dfd');
    const title = box.querySelector('title');
    box.replaceChildren(title);
    const { pos, width, height } = this.layout();
    box.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const defs = svg('defs');
    const marker = svg('marker', { id: 'th-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'dfd-arrowhead' }));
    defs.append(marker);
    box.append(defs);
    this.model.zones.forEach((z, i) => {
      const g = svg('g', { class: 'dfd-zone' });
      g.append(svg('rect', { x: GAP / 2 + i * (COL_W + GAP), y: 4, width: COL_W + GAP / 2, height: height - 8, rx: 8 }));
      g.append(svg('text', { x: GAP / 2 + i * (COL_W + GAP) + 8, y: 20, class: 'dfd-zone-name' }, z.name.length > 30 ? `${z.name.slice(0, 29)}…` : z.name));
      g.append(svg('text', { x: GAP / 2 + i * (COL_W + GAP) + 8, y: 35, class: 'dfd-zone-trust' }, `trust ${z.trust} of 100`));
      box.append(g);
    });
    const centre = (id) => { const p = pos.get(id); return { x: p.x + BOX_W / 2, y: p.y + BOX_H / 2 }; };
    for (const f of this.model.flows) {
      const a = centre(f.source);
      const b = centre(f.destination);
      // leave from the box's edge towards the other (the box is BOX_W × BOX_H)
      const clip = (p, q) => {
        const dx = q.x - p.x; const dy = q.y - p.y;
        const t = Math.min(dx ? (BOX_W / 2) / Math.abs(dx) : Infinity, dy ? (BOX_H / 2) / Math.abs(dy) : Infinity);
        return { x: p.x + dx * t, y: p.y + dy * t };
      };
      const s = clip(a, b); const d = clip(b, a);
      // a flow with a reverse twin is drawn beside it, not on top of it
      if (this.model.flows.some((g) => g.source === f.destination && g.destination === f.source)) {
        const len = Math.hypot(d.x - s.x, d.y - s.y) || 1;
        const ox = (-(d.y - s.y) / len) * 5; const oy = ((d.x - s.x) / len) * 5;
        s.x += ox; s.y += oy; d.x += ox; d.y += oy;
      }
      const line = svg('path', { d: this.route(s, d, f, pos), class: 'dfd-flow', 'marker-end': 'url(#th-arrow)' });
      line.append(svg('title', {}, `${f.name}: ${this.name(f.source)} → ${this.name(f.destination)}`));
      box.append(line);
    }
    for (const e of this.model.elements) {
      const p = pos.get(e.id);
      const n = this.model.threats.filter((t) => t.element === e.id).length;
      const zone = this.model.zones.find((z) => z.id === e.zone)?.name ?? e.zone;
      const count = `${n} threat${n === 1 ? '' : 's'}${e.lab ? ` · ${e.lab} lab` : ''}`;
      // the name is the visible text; what it is and where, the description
      const g = svg('g', { class: `dfd-el ${e.shape}`, tabindex: 0, role: 'button', 'data-element': e.id, 'aria-pressed': String(this.selected === e.id), 'aria-describedby': `th-desc-${e.id}` });
      g.append(svg('desc', { id: `th-desc-${e.id}` }, `${SHAPE[e.shape]} in ${zone}: ${e.description}`));
      if (e.shape === 'store') {
        g.append(svg('rect', { x: p.x, y: p.y, width: BOX_W, height: BOX_H, class: 'dfd-fill' }));
        g.append(svg('line', { x1: p.x, y1: p.y, x2: p.x + BOX_W, y2: p.y, class: 'dfd-edge' }));
        g.append(svg('line', { x1: p.x, y1: p.y + BOX_H, x2: p.x + BOX_W, y2: p.y + BOX_H, class: 'dfd-edge' }));
      } else {
        g.append(svg('rect', { x: p.x, y: p.y, width: BOX_W, height: BOX_H, rx: e.shape === 'process' ? 22 : 2, class: 'dfd-fill dfd-edge' }));
      }
      // one text element: its lines are tspans with spaces between, so the button's name
      // (from its content) reads as shown
      const cut = e.name.length > 24 ? (e.name.lastIndexOf(' ', 24) > 0 ? e.name.lastIndexOf(' ', 24) : 24) : -1;
      const lines = cut < 0 ? [e.name] : [e.name.slice(0, cut), e.name.slice(cut).trim()];
      const label = svg('text', { class: 'dfd-label' });
      lines.slice(0, 2).forEach((w, i) => {
        if (i) label.append(' ');
        label.append(svg('tspan', { x: p.x + BOX_W / 2, y: p.y + 22 + i * 16 - (lines.length - 1) * 6, class: 'dfd-name' }, w.length > 26 ? `${w.slice(0, 25)}…` : w));
      });
      label.append(' ');
      label.append(svg('tspan', { x: p.x + BOX_W / 2, y: p.y + BOX_H - 8, class: 'dfd-count' }, count));
      g.append(label);
      const pick = () => this.select(this.selected === e.id ? null : e.id);
      g.addEventListener('click', pick);
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
      box.append(g);
    }
  }

  /** A flow's path from `s` to `d`: straight, or bent round any other element it would cross
   * (the first of a few bends, either side, whose curve clears every box). */
  route(s, d, f, pos) {
    const others = [...pos.entries()].filter(([id]) => id !== f.source && id !== f.destination).map(([, p]) => p);
    const hits = (pt) => others.some((p) => pt.x > p.x - 6 && pt.x < p.x + BOX_W + 6 && pt.y > p.y - 6 && pt.y < p.y + BOX_H + 6);
    const len = Math.hypot(d.x - s.x, d.y - s.y) || 1;
    const nx = -(d.y - s.y) / len; const ny = (d.x - s.x) / len;
    const mid = { x: (s.x + d.x) / 2, y: (s.y + d.y) / 2 };
    const curve = (k) => {
      const c = { x: mid.x + nx * k, y: mid.y + ny * k };
      const pts = Array.from({ length: 24 }, (_, i) => { const t = (i + 1) / 25; const u = 1 - t; return { x: u * u * s.x + 2 * u * t * c.x + t * t * d.x, y: u * u * s.y + 2 * u * t * c.y + t * t * d.y }; });
      return { c, clear: !pts.some(hits) };
    };
    if (curve(0).clear) return `M${s.x},${s.y} L${d.x},${d.y}`;
    for (const k of [70, -70, 120, -120, 170, -170, 230, -230]) {
      const { c, clear } = curve(k);
      if (clear) return `M${s.x},${s.y} Q${c.x},${c.y} ${d.x},${d.y}`;
    }
    return `M${s.x},${s.y} L${d.x},${d.y}`;
  }

  renderAlt() {
    const m = this.model;
    const body = this.$('th-alt-body');
    const zones = el('ul');
    for (const z of m.zones) {
      const inner = el('ul');
      for (const e of m.elements.filter((x) => x.zone === z.id)) inner.append(el('li', {}, `${e.name} (${SHAPE[e.shape]}${e.lab ? `; the ${e.lab} lab` : ''}): ${e.description}`));
      zones.append(el('li', {}, `${z.name}, trust ${z.trust}: ${z.description}`, inner));
    }
    const flows = el('ul');
    for (const f of m.flows) flows.append(el('li', {}, `${this.name(f.source)} → ${this.name(f.destination)}: ${f.name}`));
    body.replaceChildren(el('p', {}, 'Trust zones and their elements:'), zones, el('p', {}, 'Data flows:'), flows);
  }

  name(id) { return this.model.elements.find((e) => e.id === id)?.name ?? id; }

  select(id, notify = true) {
    this.selected = id;
    for (const g of this.$('th-dfd').querySelectorAll('[data-element]')) g.setAttribute('aria-pressed', String(g.dataset.element === id));
    this.renderList();
    if (notify) this.onChange();
  }

  renderList() {
    const m = this.model;
    const list = this.$('th-list');
    const shown = m.threats.filter((t) => !this.selected || t.element === this.selected);
    this.$('th-list-title').textContent = this.selected ? `Threats to ${this.name(this.selected)} (${shown.length})` : `Threats (${shown.length}), by STRIDE`;
    list.replaceChildren();
    const order = Object.keys(STRIDE);
    shown.sort((a, b) => order.indexOf(a.stride) - order.indexOf(b.stride));
    for (const t of shown) list.append(this.card(t));
    if (!shown.length) list.append(el('p', { class: 'muted' }, 'No threat to this element yet: add one below.'));
  }

  card(t) {
    const custom = this.edits.threats.some((x) => x.id === t.id);
    const art = el('article', { class: 'threat', id: `th-${t.id}`, 'data-threat': t.id });
    art.append(el('h4', {}, el('span', { class: 'stride' }, STRIDE[t.stride]), ' ', t.name));
    art.append(el('p', { class: 'muted' }, `Element: ${this.name(t.element)} · likelihood ${t.likelihood}/5 · impact ${t.impact}/5`));
    const facts = el('dl', { class: 'th-facts' });
    for (const [k, v] of [['Goal', t.goal], ['Knowledge', t.knowledge], ['Capability', t.capability]]) if (v) facts.append(el('dt', {}, k), el('dd', {}, v));
    if (t.atlas.length) facts.append(el('dt', {}, 'MITRE ATLAS'), el('dd', {}, ...t.atlas.flatMap((r, i) => [i ? '; ' : '', el('code', {}, r.id), ` ${r.name}`])));
    facts.append(el('dt', {}, 'OWASP ML Top 10'), el('dd', {}, t.owasp.length ? t.owasp.map((r) => `${r.id} ${r.name}`).join('; ') : 'none', t.owasp_note ? ` (${t.owasp_note})` : ''));
    if (t.nist) facts.append(el('dt', {}, 'NIST AI 100-2'), el('dd', {}, t.nist));
    art.append(facts);
    if (t.demo) {
      const p = new URLSearchParams({ lab: t.demo.lab, ...t.demo.params });
      art.append(el('p', {}, el('a', { href: `#${p}`, class: 'demo', 'data-demo': t.id }, `See it in the ${t.demo.lab} lab`), ` — ${t.demo.shows}`));
    }
    for (const id of t.controls) {
      const c = this.model.controls.find((x) => x.id === id);
      if (!c) continue;
      const out = el('div', { class: 'measure-out', 'data-out': c.id });
      this.fillMeasurement(out, c.id);
      const b = el('button', { type: 'button', 'data-measure': c.id }, this.measured[c.id] ? 'Measure again' : 'Measure');
      b.addEventListener('click', () => this.measureOne(c.id));
      const atlas = c.atlas.length ? ` (ATLAS ${c.atlas.map((r) => r.id).join(', ')})` : '';
      art.append(el('div', { class: 'control' }, el('strong', {}, c.name), atlas, ` — ${c.description} `, c.measure ? b : '', out));
    }
    if (t.residual) art.append(el('p', {}, el('strong', {}, 'Residual risk: '), t.residual));
    const status = el('select', { 'data-status': t.id, 'aria-label': `Status of “${t.name}”` });
    for (const s of STATUS) status.append(el('option', { value: s }, s));
    status.value = t.status;
    status.addEventListener('change', () => { const v = status.value; this.save((e) => ({ ...e, status: { ...e.status, [t.id]: v } }), `“${t.name}” is ${v}.`); });
    const notes = el('textarea', { rows: 2, maxlength: 4000, 'data-notes': t.id, 'aria-label': `Notes on “${t.name}”` });
    notes.value = t.notes;
    notes.addEventListener('input', () => {
      clearTimeout(this.noteTimers.get(t.id));
      this.noteTimers.set(t.id, setTimeout(() => { const v = notes.value; this.save((e) => ({ ...e, notes: { ...e.notes, [t.id]: v } }), null, true); }, 400));
    });
    const row = el('div', { class: 'form th-edit' }, el('label', {}, 'Status ', status), el('label', { class: 'th-notes' }, 'Notes ', notes));
    if (custom) {
      const rm = el('button', { type: 'button' }, 'Remove this threat');
      rm.addEventListener('click', () => this.removeThreat(t.id));
      row.append(rm);
    }
    art.append(row);
    return art;
  }

  fillMeasurement(box, id) {
    const x = this.measured[id];
    box.replaceChildren();
    if (!x) return;
    const rows = el('tbody');
    for (const r of x.rows) rows.append(el('tr', {}, el('td', {}, r.label), el('td', {}, r.shown)));
    box.append(el('p', { class: 'measured' }, x.summary), el('table', { class: 'grid' }, rows), el('p', { class: 'muted' }, `${x.setup}; ${x.seconds.toFixed(1)} s in this tab.`));
  }

  showMeasurement(id) {
    for (const box of this.$('th-list').querySelectorAll(`[data-out="${id}"]`)) this.fillMeasurement(box, id);
    for (const b of this.$('th-list').querySelectorAll(`[data-measure="${id}"]`)) b.textContent = 'Measure again';
  }

  controlName(id) { return this.model.controls.find((c) => c.id === id)?.name ?? id; }

  async job(what, work) {
    const $ = this.$;
    if (this.running) return;
    this.running = true;
    this.cancelled = false;
    this.showError('');
    const buttons = [...$('lab-threats').querySelectorAll('button')].filter((b) => b.id !== 'th-cancel');
    for (const b of buttons) b.disabled = true;
    $('th-cancel').hidden = false;
    $('th-progress').hidden = false;
    try {
      await work();
    } catch (e) {
      if (this.cancelled) this.status(`${what}: cancelled. The measurements already shown are kept.`);
      else { this.showError(e.message); this.status(`${what} failed.`); }
    } finally {
      this.running = false;
      for (const b of [...$('lab-threats').querySelectorAll('button')]) b.disabled = false;
      $('th-cancel').hidden = true;
      $('th-progress').hidden = true;
    }
  }

  async measure(id, label) {
    const $ = this.$;
    const t0 = performance.now();
    $('th-progress').value = 0;
    this.status(`${label}…`);
    const x = await this.core.call('threatMeasure', { control: id, params: await this.defaults() }, {
      onProgress: ({ done, total }) => {
        $('th-progress').value = done / total;
        this.status(`${label}: step ${done} of ${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)…`);
      },
    });
    this.measured[id] = x;
    this.showMeasurement(id);
    return x;
  }

  defaults() {
    if (!this.sizes) this.sizes = this.core.call('threatDefaults').catch((e) => { this.sizes = null; throw e; });
    return this.sizes;
  }

  measureOne(id) {
    return this.job(`Measuring ${this.controlName(id)}`, async () => {
      const x = await this.measure(id, `Measuring ${this.controlName(id)}`);
      this.status(`${this.controlName(id)}: ${x.summary}`);
      const box = this.$('th-list').querySelector(`[data-out="${id}"] .measured`);
      if (box) { box.tabIndex = -1; box.focus(); }
    });
  }

  measureAll() {
    const ids = this.model.controls.filter((c) => c.measure).map((c) => c.id);
    return this.job('Measuring every control', async () => {
      for (const [i, id] of ids.entries()) await this.measure(id, `Control ${i + 1} of ${ids.length}, ${this.controlName(id)}`);
      this.status(`Measured all ${ids.length} controls; the exports now carry every measurement.`);
      this.$('th-status').focus();
    });
  }

  async exportMarkdown() {
    try {
      const site = `${location.origin}${location.pathname}`;
      download('mlsec-threat-model.md', await this.core.call('threatMarkdown', { edits: this.edits, site }), 'text/markdown');
      this.status(`Markdown exported (${Object.keys(this.measured).length} controls measured).`);
    } catch (e) { this.showError(e.message); }
  }

  async exportOtm() {
    try {
      download('mlsec-threat-model.otm.json', await this.core.call('threatOtm', { edits: this.edits }), 'application/json');
      this.status(`Open Threat Model JSON exported (${Object.keys(this.measured).length} controls measured).`);
    } catch (e) { this.showError(e.message); }
  }

  renderForms() {
    const zone = this.$('th-el-zone');
    zone.replaceChildren(...this.model.zones.map((z) => el('option', { value: z.id }, z.name)));
    const target = this.$('th-t-element');
    const was = target.value;
    target.replaceChildren(...this.model.elements.map((e) => el('option', { value: e.id }, e.name)));
    if (this.selected) target.value = this.selected;
    else if (was && this.model.elements.some((e) => e.id === was)) target.value = was;
  }

  /** A fresh id: `prefix-1`, `prefix-2`, … not used in the model. */
  freshId(prefix) {
    const used = new Set([...this.model.elements, ...this.model.threats, ...this.model.flows, ...this.model.zones, ...this.model.controls].map((x) => x.id));
    let i = 1;
    while (used.has(`${prefix}-${i}`)) i++;
    return `${prefix}-${i}`;
  }

  addElement() {
    const name = this.$('th-el-name').value.trim();
    if (!name) { this.showError('Give the element a name.'); return; }
    const e = { name, shape: this.$('th-el-shape').value, zone: this.$('th-el-zone').value, description: 'Added by you.', lab: null };
    this.$('th-el-name').value = '';
    this.save((x) => ({ ...x, elements: [...x.elements, { id: this.freshId('element'), ...e }] }), `Added “${name}” to the diagram.`);
  }

  addThreat() {
    const name = this.$('th-t-name').value.trim();
    if (!name) { this.showError('Give the threat a name.'); return; }
    const t = {
      name, stride: this.$('th-t-stride').value, element: this.$('th-t-element').value,
      goal: this.$('th-t-goal').value.trim(), knowledge: '', capability: '', atlas: [], owasp: [], owasp_note: '', nist: '',
      demo: null, controls: [], residual: '', likelihood: 3, impact: 3, status: 'open', notes: '',
    };
    this.$('th-t-name').value = '';
    this.$('th-t-goal').value = '';
    this.save((x) => ({ ...x, threats: [...x.threats, { id: this.freshId('threat'), ...t }] }), `Added the threat “${name}”.`);
  }

  removeThreat(id) {
    this.save((x) => {
      const { [id]: _s, ...status } = x.status;
      const { [id]: _n, ...notes } = x.notes;
      return { ...x, threats: x.threats.filter((t) => t.id !== id), status, notes };
    }, 'Threat removed.');
  }
}
