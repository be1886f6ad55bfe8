// The model-scanner lab: drop files (scanned in a worker through the wasm core, read in
// slices, never uploaded) or pick a sample; a results table, and for the selected file its
// findings and the pickle disassembly with the offending opcodes highlighted.
// Every string from a file (names, chains, opcode arguments) goes through textContent.
import { CoreClient } from '../../client.js';
import { el } from '../../ui.js';

const SAMPLES = 'scan-samples/';
const ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];


function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

export function worst(report) {
  for (const s of ORDER) if (report.findings.some((f) => f.severity === s)) return s;
  return null;
}

export default class ScannerLab {
  constructor({ $, onChange, showError, status }) {
    this.$ = $;
    this.status = status;
    this.onChange = onChange;
    this.showError = showError;
    // its own worker (scans never queue behind an evasion run), ended when idle for 10 s
    this.core = new CoreClient(undefined, { idleMs: 10000 });
    this.reports = [];
    this.selected = -1;
    this.sample = '';
    this.manifest = null;
    $('sc-files').addEventListener('change', (e) => { this.scanFiles([...e.target.files]); e.target.value = ''; });
    const drop = $('sc-drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); this.scanFiles([...e.dataTransfer.files]); });
    $('sc-scan-sample').addEventListener('click', () => this.scanSample($('sc-sample').value));
    $('sc-scan-all').addEventListener('click', () => this.scanAllSamples());
    $('sc-clear').addEventListener('click', () => { this.reports = []; this.selected = -1; this.sample = ''; this.render(); this.onChange(); });
    // The only way to stop running wasm is to end its worker (a fresh one starts).
    $('sc-cancel').addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
  }

  async run(label, work) {
    this.cancelled = false;
    this.$('sc-cancel').hidden = false;
    try {
      return await work();
    } catch (e) {
      if (this.cancelled) this.$('sc-summary').textContent = `Scan of ${label} cancelled.`;
      else this.showError(`${label}: ${e.message}`);
      return null;
    } finally {
      this.$('sc-cancel').hidden = true;
      // focus follows the result (after the caller renders it)
      setTimeout(() => this.$('sc-summary').focus(), 0);
    }
  }

  params() { return this.sample ? { sample: this.sample } : {}; }

  async loadSamples() {
    if (this.manifest) return this.manifest;
    try {
      const r = await fetch(`${SAMPLES}manifest.json`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.manifest = await r.json();
    } catch {
      this.manifest = { malicious: {}, benign: [] };
    }
    const sel = this.$('sc-sample');
    sel.replaceChildren();
    const hostile = el('optgroup', { label: 'Hostile (crafted)' });
    for (const [name, want] of Object.entries(this.manifest.malicious)) {
      hostile.append(el('option', { value: `malicious/${name}` }, `${name}  (expect ${want.severity} ${want.rule})`));
    }
    const benign = el('optgroup', { label: 'Benign (real torch / NumPy / Keras / ONNX output)' });
    for (const name of this.manifest.benign) benign.append(el('option', { value: `benign/${name}` }, name));
    sel.append(hostile, benign);
    return this.manifest;
  }

  /** Shown: the samples list; a URL naming a sample scans it (whenever the URL changes). */
  async show(p) { await this.applyParams(p); this.status('Ready.'); }

  async applyParams(p) {
    await this.loadSamples();
    const s = p.get('sample');
    if (s && [...this.$('sc-sample').options].some((o) => o.value === s)) {
      this.$('sc-sample').value = s;
      if (s !== this.sample || !this.reports.length) await this.scanSample(s);
    }
  }

  async scanFiles(files) {
    if (!files.length) return;
    this.sample = '';
    this.onChange();
    for (const file of files) {
      this.$('sc-summary').textContent = `Scanning ${file.name}…`;
      const r = await this.run(file.name, () => this.core.call('scanFile', { file, name: file.name }));
      if (r) this.add(r);
      if (this.cancelled) break;
    }
  }

  async scanSample(value) {
    if (!value) return;
    this.sample = value;
    this.$('sc-sample').value = value;
    this.onChange();
    this.$('sc-summary').textContent = `Scanning ${value}…`;
    const r = await this.run(value, () => this.core.call('scanUrl', { url: SAMPLES + value, name: value.split('/').pop() }));
    if (r) {
      r.sample = value;
      this.add(r);
    }
  }

  async scanAllSamples() {
    const m = await this.loadSamples();
    this.reports = [];
    const all = [...Object.keys(m.malicious).map((n) => `malicious/${n}`), ...m.benign.map((n) => `benign/${n}`)];
    // progress with a count; Cancel ends the worker and keeps what was scanned
    const done = await this.run('every sample', async () => {
      for (const [k, v] of all.entries()) {
        this.$('sc-summary').textContent = `Scanning the samples: ${k} of ${all.length} (${v})…`;
        const r = await this.core.call('scanUrl', { url: SAMPLES + v, name: v.split('/').pop() });
        r.sample = v;
        this.reports.push(r);
      }
      return true;
    });
    this.selected = -1;
    this.render();
    if (!done) {
      if (this.cancelled) this.$('sc-summary').textContent = `Cancelled after ${this.reports.length} of ${all.length} samples.`;
      return;
    }
    const hostile = this.reports.filter((r) => r.sample.startsWith('malicious/'));
    const benign = this.reports.filter((r) => r.sample.startsWith('benign/'));
    const caught = hostile.filter((r) => worst(r) !== null).length;
    const clean = benign.filter((r) => r.findings.length === 0).length;
    this.$('sc-summary').textContent = `Samples: ${caught} of ${hostile.length} hostile files flagged; ${clean} of ${benign.length} benign files clean.`;
  }

  add(r) {
    this.reports.push(r);
    this.selected = this.reports.length - 1;
    this.render();
  }

  render() {
    const $ = this.$;
    const body = $('sc-table').querySelector('tbody');
    body.replaceChildren();
    $('sc-table').hidden = this.reports.length === 0;
    this.reports.forEach((r, i) => {
      const w = worst(r);
      const tr = el('tr', { 'aria-selected': String(i === this.selected), tabindex: '0', 'data-file': r.file },
        el('td', {}, r.file), el('td', {}, r.format), el('td', {}, size(r.bytes)),
        el('td', {}, el('span', { class: `sev ${w || 'CLEAN'}` }, w || 'clean')),
        el('td', {}, r.findings.length), el('td', {}, `${r.ms.toFixed(1)} ms`));
      tr.addEventListener('click', () => { this.selected = i; this.render(); });
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') { this.selected = i; this.render(); } });
      body.append(tr);
    });
    if (this.reports.length && this.selected >= 0) {
      const r = this.reports[this.selected];
      const w = worst(r);
      $('sc-summary').textContent = w
        ? `${r.file}: ${r.findings.length} finding(s), worst ${w}. Do not load it.`
        : `${r.file}: no findings (${r.format}).`;
    } else if (!this.reports.length) {
      $('sc-summary').textContent = '';
    }
    this.renderDetail();
  }

  renderDetail() {
    const box = this.$('sc-detail');
    box.replaceChildren();
    const r = this.reports[this.selected];
    if (!r) return;
    box.append(el('h3', {}, `Findings in ${r.file}`));
    if (!r.findings.length) box.append(el('p', { class: 'muted' }, 'None: every import is on the allowlist, and the structure is sound.'));
    for (const f of r.findings) {
      const where = [f.member, f.offset !== null && f.offset !== undefined ? `byte ${f.offset}` : null].filter(Boolean).join(' @ ');
      const card = el('div', { class: 'finding' },
        el('div', {}, el('span', { class: `sev ${f.severity}` }, f.severity), ' ', el('code', {}, f.rule), where ? `  ${where}` : ''));
      if (f.global) card.append(el('div', {}, 'Global: ', el('code', {}, f.global)));
      if (f.chain) card.append(el('div', {}, 'Chain: ', el('span', { class: 'chain' }, f.chain)));
      card.append(el('div', {}, f.message), el('div', { class: 'muted' }, `Fix: ${f.remediation}`));
      box.append(card);
    }
    for (const d of r.disassembly || []) this.renderDisassembly(box, d);
  }

  renderDisassembly(box, d) {
    const flagged = d.ops.filter((o) => o.flagged).length;
    box.append(el('h3', {}, `Pickle disassembly${d.member ? ` of ${d.member}` : ''} (from byte ${d.start}; ${d.ops.length}${d.truncated ? '+' : ''} opcodes, ${flagged} flagged)`));
    // Long pickles: the first 300 opcodes and ±15 around each flagged one.
    const keep = new Set();
    d.ops.forEach((o, i) => {
      if (i < 300) keep.add(i);
      if (o.flagged) for (let j = Math.max(0, i - 15); j <= Math.min(d.ops.length - 1, i + 15); j++) keep.add(j);
    });
    const table = el('table');
    let last = -1;
    d.ops.forEach((o, i) => {
      if (!keep.has(i)) return;
      if (i !== last + 1) table.append(el('tr', { class: 'gap' }, el('td', { colspan: '3' }, `… ${i - last - 1} opcodes …`)));
      last = i;
      table.append(el('tr', o.flagged ? { class: 'flag' } : {}, el('td', { class: 'off' }, o.offset), el('td', {}, o.name), el('td', {}, o.arg ?? '')));
    });
    if (last < d.ops.length - 1) table.append(el('tr', { class: 'gap' }, el('td', { colspan: '3' }, `… ${d.ops.length - 1 - last} opcodes …`)));
    const wrap = el('div', { class: 'dis' }, table);
    box.append(wrap);
    const first = table.querySelector('tr.flag');
    if (first) requestAnimationFrame(() => { wrap.scrollTop = Math.max(0, first.offsetTop - 60); });
  }
}
