// The extraction lab: the provider's console (rate limit, quota, output policy, PRADA, the
// hash-chained audit log) and the attacker's console (strategy, budget, surrogate; steal with
// progress and cancel; fidelity/accuracy curves; the transfer attack). Its own worker owns an
// ExtractionLab (the wasm core); the page steps it round by round, epoch by epoch, so Cancel stops
// between steps and the API keeps its state (keys, PRADA, log).
import { CoreClient } from '../../client.js';
import { el } from '../../ui.js';
import { Settings } from '../../settings.js';
import uPlot from '../../vendor/uplot/uPlot.esm.js';

const MODEL_URL = 'models/cifar10_resnet9.onnx';
const SAMPLES_URL = 'data/cifar10-test.bin';
// The controls, by the core's parameter names (labs::extraction::Params). Their defaults come
// from the core (the `quick` preset); a URL key naming any other parameter is kept and sent too.
const FIELDS = { policy: 'ex-policy', rate: 'ex-rate', burst: 'ex-burst', quota: 'ex-quota', prada: 'ex-prada', strategy: 'ex-strategy', budget: 'ex-budget', arch: 'ex-arch', epochs: 'ex-epochs', temperature: 'ex-temp', seed: 'ex-seed', eps: 'ex-eps' };
const COLORS = ['#c0392b', '#2471a3', '#1e8449', '#8e44ad', '#d68910', '#566573'];
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const int = (v, d) => { const n = Math.floor(Number(v)); return Number.isFinite(n) && n >= 0 ? n : d; };

export default class ExtractionLab {
  constructor({ $, onChange, showError }) {
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.core = new CoreClient();
    this.runs = [];
    // defaults: the core's `quick` preset
    this.settings = new Settings($, () => this.core.call('extractDefaults'), FIELDS);
    for (const id of Object.values(FIELDS)) $(id).addEventListener('change', () => this.onChange());
    $('ex-apply').addEventListener('click', () => this.task('new API settings', () => this.configure()));
    $('ex-steal').addEventListener('click', () => this.task('attack', () => this.steal()));
    $('ex-cancel').addEventListener('click', () => { this.cancelled = true; });
    $('ex-verify').addEventListener('click', () => this.task('verification', () => this.chain('extractVerify', {})));
    $('ex-tamper').addEventListener('click', () => this.task('tampering', () => this.chain('extractTamper', { seq: int($('ex-tamper-seq').value, 0) })));
    $('ex-transfer-run').addEventListener('click', () => this.task('transfer attack', () => this.transfer()));
  }

  params() { return this.settings.params(); }
  applyParams(p) { return this.settings.apply(p); }
  /** Shown: the core's defaults, under the URL's settings on the first show or a link with settings. */
  async show(p, first) { if (first) await this.applyParams(p); }
  typed() { return this.settings.typed(); }

  provider() {
    const p = this.typed();
    return { rate: p.rate, burst: p.burst, quota: p.quota, policy: p.policy, prada: p.prada, seed: p.seed };
  }

  async load() {
    await this.settings.defaults();
    return this.core.once(() => this.core.call('extractLoad', { modelUrl: MODEL_URL, samplesUrl: SAMPLES_URL, params: this.typed() }).then((info) => {
      this.info = info;
      this.applied = JSON.stringify(this.provider());
      return info;
    }));
  }

  async task(what, work) {
    const $ = this.$;
    if (this.busy) return;
    this.busy = true;
    this.cancelled = false;
    this.showError('');
    $('ex-status').textContent = `Running the ${what}…`;
    const t = performance.now();
    try {
      await this.load();
      const msg = await work();
      $('ex-status').textContent = msg || `${what[0].toUpperCase()}${what.slice(1)} done in ${((performance.now() - t) / 1000).toFixed(1)} s.`;
      $('ex-status').focus(); // focus follows the result
    } catch (e) {
      $('ex-status').textContent = '';
      this.showError(e.message);
    } finally {
      this.busy = false;
      $('ex-cancel').hidden = true;
      $('ex-progress').hidden = true;
    }
    await this.refresh().catch(() => {});
  }

  async configure() {
    await this.core.call('extractConfigure', { params: this.typed() });
    this.applied = JSON.stringify(this.provider());
    return `The API restarted with ${this.describePolicy()}: keys, quotas, PRADA and the log start over.`;
  }

  describePolicy() {
    const p = this.provider();
    return `${this.$('ex-policy').selectedOptions[0]?.textContent ?? p.policy}, ${p.rate}/s (burst ${p.burst}), quota ${p.quota}, PRADA ${this.params().prada}`;
  }

  async steal() {
    const $ = this.$;
    // settings changed since the API started: restart it with them first
    if (JSON.stringify(this.provider()) !== this.applied) await this.configure();
    const attack = this.typed();
    const checkpoints = await this.core.call('extractStart', { params: attack });
    const p = attack;
    const label = `${p.strategy} · ${p.policy}${p.prada !== 'off' ? ` · PRADA ${p.prada}` : ''} · ${p.arch}${attack.temperature !== 1 ? ` · T ${attack.temperature}` : ''} · seed ${attack.seed}`;
    const run = { label, curve: [], seconds: 0 };
    this.runs.push(run);
    if (this.runs.length > COLORS.length) this.runs.shift();
    const t = performance.now();
    const steps = checkpoints.length * (attack.epochs + 2) + attack.polish;
    let done = 0;
    $('ex-cancel').hidden = false;
    const bar = $('ex-progress');
    bar.hidden = false;
    const tick = (msg) => { done += 1; bar.value = Math.min(1, done / steps); $('ex-status').textContent = msg; };
    let round;
    while (!this.cancelled && (round = await this.core.call('extractRound'))) {
      tick(`Sent ${round.sent} queries (${round.answered} answered, ${round.rate_limited} rate-limited${round.blocked ? `, ${round.blocked} BLOCKED` : ''}); simulated clock ${round.clock_s.toFixed(1)} s. Training…`);
      await this.refresh();
      for (let e = 0; e < attack.epochs && !this.cancelled; e++) {
        const loss = await this.core.call('extractEpoch');
        tick(`Training the surrogate: epoch ${e + 1}/${attack.epochs}, loss ${Number.isFinite(loss) ? loss.toFixed(3) : '—'}`);
      }
      if (this.cancelled) break;
      const pt = await this.core.call('extractEvaluate');
      run.curve.push(pt);
      tick(`${pt.queries} queries: fidelity ${pct(pt.fidelity)}, accuracy ${pct(pt.accuracy)}`);
      this.draw();
    }
    // the final polish (the `full` preset's; none in `quick`)
    for (let e = 0; e < attack.polish && !this.cancelled; e++) {
      const loss = await this.core.call('extractPolish', { e, epochs: attack.polish });
      tick(`Polishing the surrogate: epoch ${e + 1}/${attack.polish}, loss ${Number.isFinite(loss) ? loss.toFixed(3) : '—'}`);
      if (e === attack.polish - 1) {
        run.curve.push(await this.core.call('extractEvaluate'));
        this.draw();
      }
    }
    run.seconds = (performance.now() - t) / 1000;
    run.report = await this.core.call('extractReport');
    this.draw();
    const r = run.report;
    const polished = !this.cancelled && attack.polish > 0 ? ` after ${attack.polish} polish epochs` : '';
    // what to change to see the lesson, when this run is too small to show it
    let hint = !this.cancelled && r.queries < 2000 && r.fidelity < 0.5
      ? ` Try: more queries — ${r.queries} is a small budget, and at this size the copy's fidelity moves by several points with the seed or the answer policy; the CLI's full preset (10,000 queries, CNN-BN, T 4, a polish) reaches about 80%.`
      : '';
    // a label-only run that beats a full-probabilities one of the same size is a surprise to explain
    const policyOf = (x) => x.report?.params?.policy;
    const other = this.runs.slice(0, -1).reverse().find((o) => o.report && o.report.queries === r.queries && ['probs', 'label'].includes(policyOf(o)) && ['probs', 'label'].includes(policyOf(run)) && policyOf(o) !== policyOf(run));
    if (!this.cancelled && other) {
      const [lab, prob] = policyOf(run) === 'label' ? [r, other.report] : [other.report, r];
      if (lab.fidelity >= prob.fidelity) {
        hint += ` Why labels beat probabilities here: at ${r.queries} queries the gap between the two is within the run-to-run noise of the seed (try another seed); the probabilities' advantage shows with more queries and a softened teacher (temperature above 1) — the README measures labels costing 3.6 points at 10,000 queries.`;
      }
    }
    return `${this.cancelled ? 'Cancelled after' : 'Done:'} ${r.queries} queries in ${run.seconds.toFixed(1)} s (seed ${r.seed})${polished}: fidelity ${pct(r.fidelity)}, accuracy ${pct(r.accuracy)} (the victim: ${pct(r.victim_accuracy)}) on ${r.eval_images} held-out images.${r.alerts ? ` PRADA flagged the key at query ${r.alert_at}.` : ''}${r.blocked ? ` ${r.blocked} calls blocked.` : ''}${hint}`;
  }

  draw() {
    const box = this.$('ex-chart');
    this.chart?.destroy();
    box.replaceChildren();
    const runs = this.runs.filter((r) => r.curve.length);
    if (runs.length) {
      const tables = runs.map((r) => [r.curve.map((p) => p.queries), r.curve.map((p) => 100 * p.fidelity)]);
      const cur = runs[runs.length - 1];
      tables.push([cur.curve.map((p) => p.queries), cur.curve.map((p) => 100 * p.accuracy)]);
      const data = uPlot.join(tables);
      const series = [{ label: 'queries' },
        ...runs.map((r, i) => ({ label: `fidelity: ${r.label}`, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { show: true } })),
        { label: 'accuracy (latest run)', stroke: '#999', dash: [6, 4], width: 1.5, spanGaps: true, points: { show: true } }];
      this.chart = new uPlot({
        width: Math.max(320, box.clientWidth || 520), height: 260,
        scales: { x: { time: false }, y: { range: [0, 100] } },
        axes: [{ label: 'queries' }, { label: '% of held-out images' }],
        series,
      }, data, box);
    }
    const tb = this.$('ex-runs');
    tb.hidden = !this.runs.length;
    tb.querySelector('tbody').replaceChildren(...this.runs.filter((r) => r.report).map((r) => {
      const x = r.report;
      return el('tr', {}, el('td', {}, r.label), el('td', {}, x.queries), el('td', {}, x.answered), el('td', {}, x.rate_limited), el('td', {}, x.blocked),
        el('td', {}, x.prada ? (x.alerts ? `alert at ${x.alert_at}` : `quiet (W ${x.prada_w === null ? '—' : x.prada_w.toFixed(3)})`) : 'off'),
        el('td', {}, pct(x.fidelity)), el('td', {}, pct(x.accuracy)), el('td', {}, r.seconds.toFixed(1)));
    }));
  }

  async transfer() {
    const params = this.typed();
    const eps = params.eps;
    // in steps of 64 images: a count, and Cancel between steps (the stolen model is kept)
    const total = await this.core.call('extractTransferBegin', { params });
    const $ = this.$;
    const bar = $('ex-progress');
    bar.hidden = false; bar.value = 0;
    $('ex-cancel').hidden = false;
    $('ex-status').textContent = `Transfer attack: 0 of ${total} images…`;
    for (let more = true; more;) {
      if (this.cancelled) return `Transfer attack cancelled (the stolen model is kept).`;
      const s = await this.core.call('extractTransferStep');
      more = s.more;
      bar.value = s.done / total;
      $('ex-status').textContent = `Transfer attack: ${s.done} of ${total} images…`;
    }
    const r = await this.core.call('extractTransferFinish');
    this.$('ex-transfer').replaceChildren(el('table', { class: 'grid', id: 'ex-transfer-table' },
      el('thead', {}, el('tr', {}, ...['perturbation (L∞ ε ' + eps + '/255)', 'victim fooled', 'surrogate fooled'].map((h) => el('th', {}, h)))),
      el('tbody', {},
        el('tr', {}, el('td', {}, `PGD-${r.steps} on the surrogate`), el('td', {}, pct(r.transfer_rate)), el('td', {}, pct(r.surrogate_rate))),
        el('tr', {}, el('td', {}, 'random ±ε signs'), el('td', {}, pct(r.noise_rate)), el('td', {}, '')))),
    el('p', { class: 'muted' }, `${r.images} held-out images the victim classifies correctly; seed ${r.seed}.`));
  }

  async chain(op, args) {
    const v = await this.core.call(op, args);
    this.$('ex-chain').textContent = v.first_bad === null || v.first_bad === undefined ? `Chain verified: ${v.entries} entries, nothing edited or removed.` : `Verification FAILED at entry ${v.first_bad} (of ${v.entries}).`;
    this.badEntry = v.first_bad ?? null;
  }

  async refresh() {
    if (!this.core.loaded) return;
    // the last 12 entries, or, after a failed verification, the 12 around the first bad one
    const [keys, log] = [await this.core.call('extractKeys'), await this.core.call('extractLog', { count: 12, at: this.badEntry ?? null })];
    this.$('ex-keys').querySelector('tbody').replaceChildren(...keys.map((k) => {
      const meter = el('meter', { min: '0', max: String(k.quota), value: String(k.used), title: `${k.used} of ${k.quota}` });
      const tr = el('tr', {}, el('td', {}, k.key), el('td', {}, k.used), el('td', {}, k.refused), el('td', {}, meter, ` ${(100 * k.used / k.quota).toFixed(k.used / k.quota < 0.01 ? 3 : 1)}%`),
        el('td', {}, k.prada.w === null ? '—' : k.prada.w.toFixed(3)), el('td', {}, k.prada.alert ? `PRADA alert at query ${k.prada.alert_at}` : 'ok'));
      if (k.prada.alert) tr.className = 'flag';
      return tr;
    }));
    const [first, last] = log.entries.length ? [log.entries[0].seq, log.entries[log.entries.length - 1].seq] : [0, -1];
    this.$('ex-log-caption').textContent = log.entries.length
      ? `Entries ${first}–${last} of ${log.total}${this.badEntry !== null && this.badEntry !== undefined ? `, around entry ${this.badEntry}, where the chain breaks (flagged rows: from it on)` : ' (the newest)'}.`
      : 'No calls yet.';
    this.$('ex-log').querySelector('tbody').replaceChildren(...log.entries.map((e) => {
      const tr = el('tr', {}, el('td', {}, e.seq), el('td', {}, e.key), el('td', {}, (e.time_ms / 1000).toFixed(2)), el('td', {}, e.input.slice(0, 12) + '…'), el('td', {}, e.status), el('td', {}, e.output.length > 48 ? `${e.output.slice(0, 48)}…` : e.output));
      if (this.badEntry !== null && this.badEntry !== undefined && e.seq >= this.badEntry) tr.className = 'flag';
      return tr;
    }));
  }
}
