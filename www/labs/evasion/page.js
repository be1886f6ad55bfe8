// The evasion lab: attack the selected image in the worker and show original | perturbation |
// adversarial, the probabilities before and after, and the norms and queries the core reports;
// evaluate on many images in a worker pool (robust accuracy vs ε) and fill an attack × defence
// matrix. Every number shown comes from the core (the pool merges the core's exact tallies
// through the core's own `summarize`).
import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { WorkerPool } from '../../pool.js';
import { bars, drawRgba } from '../../ui.js';
const FIELDS = ['attack', 'eps', 'norm', 'steps', 'queries', 'policy', 'target', 'defense', 'adaptive', 'seed', 'evn', 'evl', 'mxn'];
// The attack's defaults come from the core (its Params table: `evasionDefaults`, what
// `mlsec attack --dry-run` prints). Two settings are the page's own, having no CLI command:
// the robustness curve's ε list and the matrix's N.
const PAGE_ONLY = { evl: '0,1,2,4,8,16', mxn: '50' };

/** The core's defaults as the form's strings. */
function formDefaults(d) {
  const p = d.params;
  const s = (v) => (v === null || v === undefined ? '' : String(v));
  return { attack: p.attack, eps: String(+d.eps_255.toFixed(4)), norm: p.norm, steps: s(p.steps), queries: s(p.queries), policy: p.policy, target: s(p.target), defense: p.defense, adaptive: p.adaptive ? '1' : '0', seed: String(p.seed), evn: String(p.n), ...PAGE_ONLY };
}
const CHUNK = 10;
const MATRIX_ATTACKS = ['fgsm', 'pgd', 'square'];
const MATRIX_DEFENSES = ['none', 'jpeg:75', 'squeeze:4', 'median:2', 'noise:0.05'];
// The last column: no preprocessing, the adversarially trained model instead (when shipped).
const ROBUST = { key: 'robust', label: 'adv. trained model', url: 'models/cifar10_resnet9_robust.onnx' };
const COLORS = ['#3159d6', '#d6452f', '#2e8b57', '#a05cd6', '#d69a2f', '#2fa5d6', '#6b7385'];

export default class EvasionPage {
  constructor({ core, $, images, onChange, showError }) {
    this.core = core;
    this.images = images;
    this.columns = images.robustShipped ? [...MATRIX_DEFENSES, ROBUST.key] : [...MATRIX_DEFENSES];
    // each pool worker loads the same model as the page
    this.poolSetup = (client) => images.setupWorker(client);
    this.pool = new WorkerPool(navigator.hardwareConcurrency || 2);
    this.curves = [];
    this.chart = null;
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.source = null; // the gallery's selection: {kind:'sample', index, label, pred} | {kind:'upload', name, rgba, pred}
    this.last = null;
    images.on('select', (s) => this.select(s));
    images.on('model', () => this.modelChanged());
    $('ev-form').addEventListener('submit', (e) => { e.preventDefault(); this.run(); });
    $('ev-form').addEventListener('change', () => { this.syncControls(); this.onChange(); });
    $('ev-newseed').addEventListener('click', async () => {
      $('ev-seed').value = String(await core.call('freshSeed'));
      this.onChange();
    });
    $('ev-cancel').addEventListener('click', () => core.cancel());
    $('evl-form').addEventListener('submit', (e) => { e.preventDefault(); this.evaluate(); });
    $('evl-form').addEventListener('change', () => this.onChange());
    $('mx-form').addEventListener('change', () => this.onChange());
    $('evl-cancel').addEventListener('click', () => this.pool.cancel());
    $('mx-cancel').addEventListener('click', () => this.pool.cancel());
    $('evl-clear').addEventListener('click', () => { this.curves = []; this.drawCurves(); });
    $('mx-form').addEventListener('submit', (e) => { e.preventDefault(); this.fillMatrix(); });
    $('rs-form').addEventListener('submit', (e) => { e.preventDefault(); this.certify(); });
    // the only way to stop running wasm: end the worker (a fresh one reloads the model)
    $('rs-cancel').addEventListener('click', () => this.core.cancel());
    this.syncControls();
    this.drawMatrixHead();
    // each attack's own iterations and query budget, from the core: shown as the fields'
    // placeholders; an empty field runs the attack at them
    this.attackDefaults = {}; // fetched on the first show (constructing the page starts no worker)
  }

  get classNames() { return this.images.classNames; }
  get sampleCount() { return this.images.total; }

  /** Shown: the image core is started (the class names fill the target list); on the first show
   * or a link with settings, the settings are applied; with nothing selected, image #0 is. */
  async show(p, first) {
    await this.images.start(p);
    const t = this.$('ev-target');
    if (t.options.length === 1) {
      this.classNames.forEach((n, i) => { const o = document.createElement('option'); o.value = String(i); o.textContent = n; t.append(o); });
    }
    if (!this.defaults) this.defaults = formDefaults(await this.core.call('evasionDefaults'));
    if (first) this.applyParams(p);
    if (!this.defaultsAsked) {
      this.defaultsAsked = true;
      this.core.call('attackDefaults').then((d) => { this.attackDefaults = d; this.syncControls(); }).catch(() => { this.defaultsAsked = false; });
    }
    if (!this.images.source && !p.get('img')) await this.images.select(0);
    else if (this.source !== this.images.source) this.select(this.images.source);
  }

  /** The page's model changed: pool workers must reload it. */
  modelChanged() { this.pool.cancel(); }

  /** Settings as URL parameters (strings). */
  params() {
    const $ = this.$;
    return {
      attack: $('ev-attack').value, eps: $('ev-eps').value.trim(), norm: $('ev-norm').value, steps: $('ev-steps').value.trim(),
      queries: $('ev-queries').value.trim(), policy: $('ev-policy').value, target: $('ev-target').value, defense: $('ev-defense').value,
      adaptive: $('ev-adaptive').checked ? '1' : '0', seed: $('ev-seed').value.trim(),
      evn: $('evl-n').value.trim(), evl: $('evl-eps').value.trim(), mxn: $('mx-n').value.trim(),
    };
  }

  applyParams(p) {
    const $ = this.$;
    const v = { ...this.defaults, ...Object.fromEntries(FIELDS.filter((f) => p.get(f) !== null).map((f) => [f, p.get(f)])) };
    const setSel = (id, val) => { const el = $(id); if ([...el.options].some((o) => o.value === val)) el.value = val; };
    setSel('ev-attack', v.attack); setSel('ev-norm', v.norm); setSel('ev-policy', v.policy); setSel('ev-target', v.target); setSel('ev-defense', v.defense);
    $('ev-eps').value = v.eps; $('ev-steps').value = v.steps; $('ev-queries').value = v.queries; $('ev-seed').value = v.seed;
    $('ev-adaptive').checked = v.adaptive === '1';
    $('evl-n').value = v.evn; $('evl-eps').value = v.evl; $('mx-n').value = v.mxn;
    this.syncControls();
  }

  syncControls() {
    const $ = this.$;
    const a = $('ev-attack').value;
    const blackBox = ['square', 'hsja', 'simba'].includes(a);
    $('ev-queries').closest('label').hidden = !blackBox;
    // an output policy stands between the model and a black-box attacker only
    $('ev-policy').closest('label').hidden = !blackBox;
    $('ev-steps').closest('label').hidden = blackBox || a === 'fgsm';
    $('ev-norm').closest('label').hidden = !['fgsm', 'pgd', 'apgd'].includes(a);
    const minimal = ['cw', 'deepfool', 'hsja'].includes(a);
    $('ev-eps-help').textContent = minimal ? 'L2 cap in pixel units (0 = none: the attack finds the smallest perturbation)'
      : ($('ev-norm').value === 'l2' && ['fgsm', 'pgd', 'apgd'].includes(a) ? 'L2 radius in pixel units' : '/255 (L∞)');
    $('ev-target').closest('label').hidden = a === 'deepfool';
    const d = this.attackDefaults?.[a] ?? {};
    // the placeholder is the attack's own default (an empty field runs it)
    $('ev-steps').placeholder = d.steps ? String(d.steps) : '';
    $('ev-queries').placeholder = d.queries ? String(d.queries) : '';
    $('ev-steps').title = d.steps ? `empty: the attack's default, ${d.steps}` : '';
    $('ev-queries').title = d.queries ? `empty: the attack's default, ${d.queries}` : '';
  }

  isL2() {
    const p = this.params();
    return ['cw', 'deepfool', 'hsja'].includes(p.attack) || (p.norm === 'l2' && ['fgsm', 'pgd', 'apgd'].includes(p.attack));
  }

  /** ε as entered (8, 8/255, 0.5) → pixel units. */
  parseEps(text) {
    const m = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*([0-9]*\.?[0-9]+))?\s*$/.exec(text);
    if (!m) throw new Error(`ε “${text}” is not a number (examples: 8, 8/255, 0.5).`);
    const eps = Number(m[1]) / (m[2] ? Number(m[2]) : (this.isL2() ? 1 : 255));
    if (!Number.isFinite(eps) || eps < 0) throw new Error('ε must be a number ≥ 0.');
    return eps;
  }

  /** The attack request, validated; throws with a sentence on bad input. */
  request() {
    const p = this.params();
    const a = p.attack;
    const eps = this.parseEps(p.eps);
    // empty: the attack's own default (the core's)
    const int = (s, name) => {
      if (s === '') return null;
      if (!/^\d+$/.test(s)) throw new Error(`${name} must be a whole number.`);
      return Number(s);
    };
    if (!/^\d+$/.test(p.seed) || !Number.isSafeInteger(Number(p.seed))) throw new Error('The seed must be a whole number below 2^53.');
    return {
      attack: a, eps, norm: p.norm, steps: int(p.steps, 'Steps'), queries: int(p.queries, 'The query budget'),
      policy: ['square', 'hsja', 'simba'].includes(a) ? p.policy : 'probs',
      target: p.target === '' ? null : Number(p.target), defense: p.defense, adaptive: p.adaptive === '1', seed: Number(p.seed),
    };
  }

  async startPool() {
    await this.pool.start(this.poolSetup);
  }

  intIn(id, name, lo, hi) {
    const s = this.$(id).value.trim();
    if (!/^\d+$/.test(s) || Number(s) < lo || Number(s) > hi) throw new Error(`${name} must be a whole number from ${lo} to ${hi}.`);
    return Number(s);
  }

  tasksFor(request, n) {
    const tasks = [];
    for (let start = 0; start < n; start += CHUNK) tasks.push({ op: 'evaluateRange', args: { start, count: Math.min(CHUNK, n - start), request } });
    return tasks;
  }

  busy(on, which) {
    const $ = this.$;
    $('evl-run').disabled = on; $('mx-run').disabled = on;
    $(`${which}-cancel`).hidden = !on;
    $('evl-progress-row').hidden = !on;
  }

  progress(done, total, what) {
    this.$('evl-progress').value = total ? done / total : 0;
    // the time left, from this run's own pace (measured here, not a figure of the core's)
    if (done === 0 || !this.startedAt) this.startedAt = performance.now();
    let left = '';
    if (done > 0 && done < total) {
      const s = ((performance.now() - this.startedAt) / done) * (total - done) / 1000;
      left = s < 90 ? ` · about ${Math.max(1, Math.round(s))} s left` : ` · about ${Math.round(s / 60)} min left`;
    }
    this.$('evl-progress-text').textContent = `${what}: ${done} of ${total} batches${left}`;
  }

  async evaluate() {
    const $ = this.$;
    let req, n, list;
    try {
      req = this.request();
      n = this.intIn('evl-n', 'N', 1, this.sampleCount || 1000);
      const items = $('evl-eps').value.split(',').map((t) => t.trim()).filter((t) => t !== '');
      if (items.length === 0 || items.length > 12) throw new Error('Give 1 to 12 ε values, separated by commas.');
      list = items.map((t) => ({ shown: Number(t.includes('/') ? Number(t.split('/')[0]) : t), eps: this.parseEps(t) }));
    } catch (e) { this.showError(e.message); return; }
    this.showError(null);
    this.busy(true, 'evl');
    const tasks = list.flatMap((e) => this.tasksFor({ ...req, eps: e.eps }, n));
    try {
      await this.startPool();
      this.progress(0, tasks.length, 'evaluating');
      const res = await this.pool.run(tasks, (d, t) => this.progress(d, t, 'evaluating'));
      const per = Math.ceil(n / CHUNK);
      const summaries = [];
      for (let k = 0; k < list.length; k++) summaries.push(await this.core.call('summarize', { tallies: res.slice(k * per, (k + 1) * per) }));
      const name = `${req.attack.toUpperCase()}${req.target !== null ? `→${this.classNames[req.target]}` : ''} · ${req.defense}${req.defense !== 'none' ? (req.adaptive ? ' (adaptive)' : ' (naive)') : ''}`;
      this.curves.push({ name, unit: this.isL2() ? 'L2' : '/255', x: list.map((e) => e.shown), eps: list.map((e) => e.eps), summaries, n, seed: req.seed });
      this.drawCurves();
    } catch (e) {
      this.showError(e.message === 'Cancelled.' ? 'Evaluation cancelled.' : e.message);
    } finally {
      this.busy(false, 'evl');
    }
  }

  drawCurves() {
    const $ = this.$;
    const el = $('evl-chart');
    this.chart?.destroy();
    this.chart = null;
    el.replaceChildren();
    const tb = $('evl-table').querySelector('tbody');
    tb.replaceChildren();
    $('evl-table').hidden = this.curves.length === 0;
    $('evl-csv').hidden = this.curves.length === 0;
    if (this.curves.length === 0) return;
    const xs = [...new Set(this.curves.flatMap((c) => c.x))].sort((a, b) => a - b);
    const data = [xs, ...this.curves.map((c) => xs.map((x) => { const i = c.x.indexOf(x); return i < 0 ? null : 100 * c.summaries[i].robust_acc; }))];
    const opts = {
      width: Math.max(320, el.clientWidth || 480), height: 260,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 'ε (/255 for L∞; pixel units for L2)' }, { label: 'robust accuracy (%)' }],
      series: [{ label: 'ε' }, ...this.curves.map((c, i) => ({ label: c.name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { show: true } }))],
    };
    this.chart = new uPlot(opts, data, el);
    const pct = (v) => `${(100 * v).toFixed(1)}%`;
    const rows = [['curve', 'eps_shown', 'eps', 'images', 'seed', 'clean_acc', 'robust_acc', 'asr', 'linf_mean', 'l2_mean', 'queries_mean']];
    for (const c of this.curves) {
      c.summaries.forEach((s, i) => {
        const tr = document.createElement('tr');
        for (const v of [c.name, `${c.x[i]}${c.unit === '/255' ? '/255' : ''}`, pct(s.clean_acc), pct(s.robust_acc), pct(s.asr), `${(255 * s.linf_mean).toFixed(2)}/255`, s.l2_mean.toFixed(3), s.queries_mean.toFixed(1)]) {
          const td = document.createElement('td'); td.textContent = v; tr.append(td);
        }
        tr.dataset.robust = String(s.robust_acc);
        tb.append(tr);
        rows.push([c.name, c.x[i], c.eps[i], s.images, c.seed, s.clean_acc, s.robust_acc, s.asr, s.linf_mean, s.l2_mean, s.queries_mean]);
      });
    }
    const csv = rows.map((r) => r.map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v))).join(',')).join('\n');
    URL.revokeObjectURL($('evl-csv').href);
    $('evl-csv').href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  }

  drawMatrixHead() {
    const $ = this.$;
    const head = $('mx-table').querySelector('thead');
    const tr = document.createElement('tr');
    for (const h of ['attack \\ defence', ...this.columns.map((c) => (c === ROBUST.key ? ROBUST.label : c))]) { const th = document.createElement('th'); th.textContent = h; tr.append(th); }
    head.replaceChildren(tr);
    const body = $('mx-table').querySelector('tbody');
    body.replaceChildren();
    for (const a of MATRIX_ATTACKS) {
      const row = document.createElement('tr');
      const th = document.createElement('td'); th.textContent = a.toUpperCase(); row.append(th);
      for (const d of this.columns) {
        const td = document.createElement('td');
        td.id = `mx-${a}-${d.replace(/[^a-z0-9]/g, '_')}`;
        td.textContent = '—';
        td.className = 'pending';
        row.append(td);
      }
      body.append(row);
    }
  }

  async fillMatrix() {
    let req, n;
    try {
      req = this.request();
      n = this.intIn('mx-n', 'N', 1, this.sampleCount || 1000);
    } catch (e) { this.showError(e.message); return; }
    this.showError(null);
    this.matrixRun = { n, eps: req.norm === 'linf' ? req.eps : 8 / 255, seed: req.seed };
    this.$('mx-caption').textContent = `Robust accuracy on ${n} images at L∞ ε ${+(this.matrixRun.eps * 255).toFixed(2)}/255 (seed ${req.seed}); two numbers: naive attacker / adaptive attacker.`;
    this.drawMatrixHead();
    // cells: each attack against each defence, naive and (where it differs) adaptive
    const jobs = [];
    for (const a of MATRIX_ATTACKS) {
      for (const d of this.columns) {
        const robust = d === ROBUST.key;
        const modes = d === 'none' || robust || a === 'square' ? [false] : [false, true];
        for (const adaptive of modes) {
          const r = { ...req, attack: a, defense: robust ? 'none' : d, adaptive, eot: 4, target: null, steps: a === 'pgd' ? 10 : req.steps, queries: 300 };
          if (a === 'square' || req.norm !== 'linf') r.norm = 'linf';
          const tasks = this.tasksFor(r, n);
          if (robust) for (const t of tasks) t.args.modelUrl = ROBUST.url;
          jobs.push({ a, d, adaptive, tasks });
        }
      }
    }
    const tasks = jobs.flatMap((j, k) => j.tasks.map((t) => ({ ...t, job: k })));
    const left = jobs.map((j) => j.tasks.length);
    const tallies = jobs.map(() => []);
    const results = jobs.map(() => null);
    this.busy(true, 'mx');
    try {
      await this.startPool();
      this.progress(0, tasks.length, 'matrix');
      await this.pool.run(tasks, async (d, t, i, res) => {
        this.progress(d, t, 'matrix');
        const k = tasks[i].job;
        tallies[k].push(res);
        if (--left[k] === 0) {
          results[k] = await this.core.call('summarize', { tallies: tallies[k] });
          this.showCell(jobs, results, jobs[k].a, jobs[k].d);
        }
      });
    } catch (e) {
      this.showError(e.message === 'Cancelled.' ? 'Matrix cancelled.' : e.message);
    } finally {
      this.busy(false, 'mx');
    }
  }

  showCell(jobs, results, a, d) {
    const td = this.$(`mx-${a}-${d.replace(/[^a-z0-9]/g, '_')}`);
    const pct = (s) => (s ? `${(100 * s.robust_acc).toFixed(0)}%` : '…');
    const naive = jobs.findIndex((j) => j.a === a && j.d === d && !j.adaptive);
    const adapt = jobs.findIndex((j) => j.a === a && j.d === d && j.adaptive);
    td.textContent = adapt < 0 ? pct(results[naive]) : `${pct(results[naive])} / ${pct(results[adapt])}`;
    const m = this.matrixRun;
    const on = m ? ` on ${m.n} images at L∞ ε ${+(m.eps * 255).toFixed(2)}/255, seed ${m.seed}` : '';
    td.title = adapt < 0 ? `robust accuracy${on}` : `robust accuracy${on}: naive attacker / adaptive attacker`;
    td.className = results[naive] && (adapt < 0 || results[adapt]) ? '' : 'pending';
    if (results[naive]) td.dataset.naive = String(results[naive].robust_acc);
    if (adapt >= 0 && results[adapt]) td.dataset.adaptive = String(results[adapt].robust_acc);
  }

  async certify() {
    const $ = this.$;
    if (!this.source) { this.showError('Choose an image first.'); return; }
    const sigma = Number($('rs-sigma').value);
    const alpha = Number($('rs-alpha').value);
    let n, seed;
    try {
      n = this.intIn('rs-n', 'Samples', 10, 100000);
      seed = this.request().seed;
      if (!(sigma > 0 && sigma <= 1)) throw new Error('σ must be in (0, 1].');
      if (!(alpha > 0 && alpha < 0.5)) throw new Error('α must be in (0, 0.5).');
    } catch (e) { this.showError(e.message); return; }
    this.showError(null);
    $('rs-run').disabled = true;
    $('rs-cancel').hidden = false;
    const out = $('rs-out');
    out.hidden = false;
    out.textContent = `Certifying: ${n + 100} noisy copies through the model (100 to pick the class, ${n} to bound it)…`;
    try {
      const args = this.source.kind === 'sample' ? { index: this.source.index } : { rgba: this.source.rgba };
      const c = await this.core.call('certify', { ...args, sigma, n0: 100, n, alpha, seed });
      out.dataset.radius = String(c.radius);
      out.textContent = c.class === null || c.class === undefined
        ? `Abstains: the lower bound on the top class's probability is ${c.p_lower.toFixed(3)} ≤ 1/2 (σ = ${Number(c.sigma.toPrecision(6))}, ${c.n} samples, seed ${c.seed}).`
        : `Smoothed prediction: ${c.name}, certified L2 radius ${c.radius.toFixed(3)} with ${(100 * c.confidence).toFixed(1)}% confidence (p_A ≥ ${c.p_lower.toFixed(3)}; σ = ${Number(c.sigma.toPrecision(6))}, ${c.n} samples, seed ${c.seed}).`;
    } catch (e) {
      if (e.message === 'Cancelled.') out.textContent = 'Certification cancelled.';
      else { out.hidden = true; this.showError(e.message); }
    } finally {
      $('rs-run').disabled = false;
      $('rs-cancel').hidden = true;
    }
  }

  select(source) {
    this.source = source;
    const top = source.pred.top[0].name;
    this.$('ev-selected').textContent = source.kind === 'sample'
      ? `#${source.index}: ${this.classNames[source.label]} (the model says ${top})`
      : `${source.name} (no true label: the attack moves it away from ${top})`;
    this.$('ev-out').hidden = true;
    this.$('rs-out').hidden = true;
  }

  async run() {
    const $ = this.$;
    if (!this.source) { this.showError('Choose an image first.'); return; }
    let req;
    try { req = this.request(); } catch (e) { this.showError(e.message); return; }
    this.showError(null);
    $('ev-run').disabled = true;
    $('ev-cancel').hidden = false;
    $('ev-run').textContent = 'Attacking…';
    const t = performance.now();
    try {
      // what the attack has asked of the model so far, against its budget where it has one
      const budget = this.attackBudget(req);
      const onProgress = (c) => {
        const q = budget.queries ? `${c.queries} of ${budget.queries} queries` : `${c.queries} model queries`;
        const g = c.gradients ? `${c.gradients}${budget.steps ? ` of ${budget.steps}` : ''} gradient steps, ` : '';
        $('ev-progress').textContent = `${req.attack.toUpperCase()}: ${g}${q}…`;
      };
      $('ev-progress').textContent = 'Attacking…';
      const res = this.source.kind === 'sample'
        ? await this.core.call('attackSample', { index: this.source.index, request: req }, { onProgress })
        : await this.core.call('attackUpload', { rgba: this.source.rgba, request: req }, { onProgress });
      res.ms = performance.now() - t;
      this.showResult(res);
    } catch (e) {
      this.showError(e.message);
    } finally {
      $('ev-run').disabled = false;
      $('ev-cancel').hidden = true;
      $('ev-run').textContent = 'Run attack';
      $('ev-progress').textContent = '';
    }
  }

  /** The attack's own iteration and query budgets (the core's defaults where the form leaves them empty). */
  attackBudget(req) {
    const d = this.attackDefaults?.[req.attack] ?? {};
    const whiteBox = !['square', 'hsja', 'simba'].includes(req.attack);
    // PGD-style attacks take one gradient per step; the others' step counts are not one gradient each
    const exact = ['fgsm', 'pgd'].includes(req.attack);
    return { steps: exact ? (req.attack === 'fgsm' ? 1 : req.steps ?? d.steps) : null, queries: whiteBox ? null : req.queries ?? d.queries };
  }

  showResult(r) {
    const $ = this.$;
    this.last = r;
    drawRgba($('ev-orig'), r.origRgba);
    drawRgba($('ev-delta'), r.delta_rgba);
    drawRgba($('ev-adv'), r.adv_rgba);
    $('ev-delta-cap').textContent = `Perturbation ×${r.delta_scale.toFixed(1)} (grey = 0)`;
    const name = (c) => this.classNames[c] ?? `class ${c}`;
    const v = $('ev-verdict');
    const goal = r.targeted === null ? `away from ${name(r.label)}` : `to ${name(r.targeted)}`;
    // an untargeted attack on an image the model (behind the defence) already gets wrong has nothing to do
    const already = r.targeted === null && r.clean.predicted !== r.label;
    const l2Only = r.norm === 'l2' && ['cw', 'deepfool', 'hsja'].includes(r.attack);
    const budget = l2Only ? ` — an L2 attack: its L∞ (${(r.linf * 255).toFixed(1)}/255) is not capped${r.eps > 0 ? `; L2 ${r.l2.toFixed(2)} ≤ cap ${r.eps.toFixed(2)}` : ''}` : '';
    v.textContent = already
      ? `Nothing to attack: the model already says ${name(r.clean.predicted)} for this ${name(r.label)}${r.defense !== 'none' ? ' (behind the defence)' : ''}. Pick an image it gets right.`
      : r.success
        ? `Attack succeeded (${goal}): ${name(r.clean.predicted)} → ${name(r.adversarial.predicted)}${budget}`
        : `Attack failed (${goal}): still ${name(r.adversarial.predicted)}${budget}`;
    v.className = `verdict ${r.success ? 'ok' : 'fail'}`;
    v.dataset.success = String(r.success);
    bars($('ev-before'), r.clean.top, r.label);
    bars($('ev-after'), r.adversarial.top, r.label);
    const facts = [
      ['Attack', `${r.attack.toUpperCase()} (${r.norm === 'linf' ? 'L∞' : 'L2'}${r.eps > 0 ? `, ε = ${r.norm === 'linf' ? `${(r.eps * 255).toFixed(2)}/255` : r.eps.toFixed(3)}` : ''})`],
      ['Defence', `${r.defense}${r.defense !== 'none' ? (r.adaptive ? ' — adaptive attacker (BPDA/EOT)' : ' — naive attacker (ignores it)') : ''}`],
      ['Gradients', ['square', 'hsja', 'simba'].includes(r.attack) ? 'none (black-box: the attack only queries the model)'
        : r.gradient === 'exact' ? 'exact (nn engine)' : `estimated (NES over tract)${r.gradient_note ? `: ${r.gradient_note}` : ''}`],
      ['L∞', `${(r.linf * 255).toFixed(2)}/255`],
      ['L2', r.l2.toFixed(4)],
      ['L0', `${r.l0} of 3072 values`],
      ['Model queries', String(r.queries)],
      ['API answers', r.policy === 'probs' ? 'full probabilities' : `${r.policy} (the output policy: all the attacker saw)`],
      ['Feature squeezing', r.squeezing
        ? `score ${r.squeezing.scores[0].toFixed(3)} → ${r.squeezing.scores[1].toFixed(3)} (threshold ${r.squeezing.threshold.toFixed(3)}, ${r.squeezing.calibration}): adversarial ${r.squeezing.flagged[1] ? 'flagged' : 'not flagged'}${r.squeezing.flagged[0] ? '; the original is flagged too (a false positive)' : ''}`
        : 'n/a'],
      ['Time', `${r.ms.toFixed(0)} ms`],
      ['Seed', String(r.seed)],
    ];
    const tb = $('ev-facts');
    tb.replaceChildren();
    for (const [k, val] of facts) {
      const tr = document.createElement('tr');
      const a = document.createElement('td'); a.textContent = k;
      const b = document.createElement('td'); b.textContent = val;
      b.dataset.fact = k;
      tr.append(a, b);
      tb.append(tr);
    }
    // downloads: a real 32×32 PNG of the adversarial image, and the report
    const c = document.createElement('canvas');
    c.width = 32; c.height = 32;
    drawRgba(c, r.adv_rgba);
    c.toBlob((blob) => { if (blob) { URL.revokeObjectURL($('ev-png').href); $('ev-png').href = URL.createObjectURL(blob); } }, 'image/png');
    const { adv_rgba, delta_rgba, origRgba, ...report } = r;
    URL.revokeObjectURL($('ev-json').href);
    $('ev-json').href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 1)], { type: 'application/json' }));
    $('ev-out').hidden = false;
    $('ev-verdict').focus(); // focus follows the result (the Run button was disabled meanwhile)
  }
}
