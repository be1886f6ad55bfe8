// The poisoning lab: a backdoored spam filter, the forensics, the log, DP-SGD and a plain-text
// e-mail viewer. Its own worker owns a PoisonLab (the wasm core) over the packed corpus.
// Every string from the corpus or a pasted e-mail reaches the page through textContent only.
import { CoreClient } from '../../client.js';
import { el } from '../../ui.js';
import { Settings } from '../../settings.js';
import uPlot from '../../vendor/uplot/uPlot.esm.js';

const CORPUS_URL = 'data/spam-assassin.bin';
// The controls, by the core's parameter names (labs::poisoning::Params); their defaults come
// from the core. The rate is shown and linked in percent (the core's is a fraction).
const FIELDS = { filter: 'po-filter', trigger: 'po-trigger', rate: 'po-rate', source: 'po-source', uploader: 'po-uploader', seed: 'po-seed', q: 'dp-q', sigma: 'dp-sigma', clip: 'dp-clip', epochs: 'dp-epochs' };

const pct = (v) => `${(100 * v).toFixed(1)}%`;
function table(head, rows, flagged = () => false) {
  const t = el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
  const tb = el('tbody');
  for (const r of rows) {
    const tr = el('tr', {}, ...r.cells.map((c) => el('td', {}, c)));
    if (flagged(r)) tr.className = 'flag';
    tb.append(tr);
  }
  t.append(tb);
  return t;
}

export default class PoisoningLab {
  constructor({ $, onChange, showError }) {
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.core = new CoreClient();
    this.settings = new Settings($, () => this.core.call('poisonDefaults'), FIELDS, { rate: 100 });
    $('po-rate').addEventListener('input', () => { $('po-rate-out').textContent = `${$('po-rate').value}%`; });
    for (const id of Object.values(FIELDS)) $(id).addEventListener('change', () => this.onChange());
    $('po-run').addEventListener('click', () => this.run('attack', () => this.attack()));
    $('po-curve').addEventListener('click', () => this.run('curve', () => this.curve()));
    $('po-dict').addEventListener('click', () => this.run('dictionary attack', () => this.dictionary()));
    $('po-investigate').addEventListener('click', () => this.run('investigation', () => this.investigate()));
    $('po-verify').addEventListener('click', () => this.run('verification', () => this.chain('poisonVerify', {})));
    $('po-tamper').addEventListener('click', () => this.run('tampering', () => this.chain('poisonTamper', { seq: Number($('po-tamper-seq').value) })));
    $('dp-run').addEventListener('click', () => this.run('DP-SGD', () => this.dp()));
    $('po-show').addEventListener('click', () => this.run('message', () => this.showMessage(Number($('po-msg-id').value))));
    $('po-inspect').addEventListener('click', () => this.run('inspection', () => this.inspect()));
    $('po-cancel').addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
  }

  params() { return this.settings.params(); }
  async show(p, first) { if (first) await this.applyParams(p); }
  applyParams(p) { return this.settings.apply(p).then(() => { this.$('po-rate-out').textContent = `${this.$('po-rate').value}%`; }); }

  // Every setting for the core; throws a sentence on a malformed number or seed.
  request() {
    const r = this.settings.typed();
    if (!(Number.isSafeInteger(r.seed) && r.seed >= 0)) throw new Error('The seed must be a whole number below 2^53.');
    return r;
  }

  async load() {
    await this.settings.defaults();
    return this.core.once(() => this.core.call('poisonLoad', { url: CORPUS_URL, seed: 0 }));
  }

  async run(what, work) {
    const $ = this.$;
    if (this.running) return; // one job at a time: its buttons are disabled meanwhile
    this.running = true;
    const buttons = [...$('lab-poisoning').querySelectorAll('button')].filter((b) => b.id !== 'po-cancel');
    for (const b of buttons) b.disabled = true;
    this.cancelled = false;
    this.showError('');
    $('po-cancel').hidden = false;
    $('po-status').textContent = `Running the ${what}…`;
    const t = performance.now();
    try {
      await this.load();
      await work();
      $('po-status').textContent = `${what[0].toUpperCase()}${what.slice(1)} done in ${((performance.now() - t) / 1000).toFixed(1)} s (seed ${this.request().seed}).`;
    } catch (e) {
      $('po-status').textContent = this.cancelled ? `The ${what} was cancelled.` : '';
      if (!this.cancelled) this.showError(e.message);
    } finally {
      $('po-cancel').hidden = true;
      for (const b of buttons) b.disabled = false;
      this.running = false;
      $('po-status').focus(); // the result's line, for keyboard and screen-reader users
    }
  }

  async attack() {
    const r = await this.core.call('poisonRun', { request: this.request() });
    const row = (name, m, asr) => ({ cells: [name, pct(m.accuracy), pct(m.precision), pct(m.recall), pct(m.f1), pct(m.false_positive_rate), pct(asr)] });
    const t = this.$('po-result');
    t.hidden = false;
    t.querySelector('tbody').replaceChildren(...table([], [row('clean', r.clean, r.asr_clean_model), row(`poisoned (${r.poisoned} records, the trigger ${r.insertions}× in each)`, r.poisoned_metrics, r.asr)]).querySelector('tbody').children);
    this.last = r;
  }

  async curve() {
    const pts = await this.core.call('poisonCurve', { request: this.request() });
    const el0 = this.$('po-chart');
    this.chart?.destroy();
    el0.replaceChildren();
    const data = [pts.map((p) => 100 * p.rate), pts.map((p) => 100 * p.asr), pts.map((p) => 100 * p.clean_acc)];
    this.chart = new uPlot({
      width: Math.max(320, el0.clientWidth || 560), height: 240,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 'poison rate (% of the training set)' }, { label: '%' }],
      series: [{ label: 'rate' }, { label: 'ASR', stroke: '#c0392b', width: 2, points: { show: true } }, { label: 'clean accuracy', stroke: '#2471a3', width: 2, points: { show: true } }],
    }, data, el0);
    el0.append(table(['rate', 'poisoned records', 'clean accuracy', 'ASR'], pts.map((p) => ({ cells: [pct(p.rate), p.poisoned, pct(p.clean_acc), pct(p.asr)] }))));
  }

  async dictionary() {
    const req = this.request();
    const r = await this.core.call('poisonDictionary', { request: { ...req, rate: req.rate || 0.05 } });
    // the lesson (Nelson et al.: a word-count filter drowns in ham words labelled spam) shows on naive Bayes
    const moved = Math.abs(r.attacked.false_positive_rate - r.clean.false_positive_rate) + Math.abs(r.attacked.accuracy - r.clean.accuracy);
    const hint = moved < 0.01 && req.filter !== 'nb'
      ? 'Little changed: this filter learns weights that the flood of ham words cannot swamp. Try: naive Bayes at 5% — the filter the attack was designed against.'
      : '';
    // its own box: the ASR curve above stays
    this.$('po-dict-out').replaceChildren(el('p', {}, `Dictionary attack (${r.poisoned} spam-labelled messages of the ${r.words} commonest baseline-ham words, ${pct(r.rate)}):`),
      table(['filter', 'accuracy', 'recall', 'ham FPR'], [
        { cells: ['clean', pct(r.clean.accuracy), pct(r.clean.recall), pct(r.clean.false_positive_rate)] },
        { cells: ['attacked', pct(r.attacked.accuracy), pct(r.attacked.recall), pct(r.attacked.false_positive_rate)] }]),
      ...(hint ? [el('p', { class: 'hint', id: 'po-hint' }, hint)] : []));
  }

  async investigate() {
    const r = await this.core.call('poisonForensics', { request: this.request() });
    const out = this.$('po-forensics');
    const flaggedCells = r.drift.filter((c) => c.flagged);
    const chain = r.audit.chain;
    // the drift the log explains: the tie with the most records from unexpected uploads
    const tie = [...r.ties].sort((a, b) => b.unexpected_uploads - a.unexpected_uploads)[0];
    const oddUploaders = r.audit.uploaders.filter((u) => !u.registered || u.out_of_hours > 0);
    const summary = [
      `${flaggedCells.length} of ${r.drift.length} data cells drift${tie && tie.unexpected_uploads > 0 ? `, and in ${tie.cell} the drift (${tie.tokens.slice(0, 4).join(', ')}) comes with ${tie.unexpected_uploads} of ${tie.records} records from an unexpected upload` : ''}`,
      `${r.slices.filter((x) => x.flagged).length} of ${r.slices.length} performance slices got worse`,
      `${oddUploaders.length} uploader(s) unregistered or out of hours${oddUploaders.length ? ` (${oddUploaders.map((u) => `${u.uploader} via ${u.source}`).join('; ')})` : ''}`,
      `${r.flagged.length} records flagged by two signals or more (precision ${r.precision.toFixed(2)}, recall ${r.recall.toFixed(2)})`,
      `removing them takes the backdoor from ${pct(r.remediation.asr_before)} to ${pct(r.remediation.asr_after)}`,
    ];
    out.replaceChildren(
      el('p', { id: 'po-summary', class: 'verdict' }, `In short: ${summary.join('; ')}. The tables below are the evidence.`),
      el('h4', {}, `Distribution tests: ${flaggedCells.length} of ${r.drift.length} cells flagged (G-test per token, Benjamini–Hochberg; KS and PSI on numeric features)`),
      table(['cell', 'records', 'significant tokens (q<0.01)', 'most over-represented tokens', 'max PSI', 'min KS p'],
        r.drift.filter((c) => c.flagged || c.batch === null).map((c) => ({ flagged: c.flagged, cells: [c.scope, c.n, c.significant, c.top.slice(0, 5).map((t) => `${t.token} ×${t.lift.toFixed(0)}`).join(', '), Math.max(...c.numeric.map((n) => n.psi)).toFixed(2), Math.min(...c.numeric.map((n) => n.ks_p)).toExponential(1)] })), (x) => x.flagged),
      el('h4', {}, 'Performance slices: current filter vs the previous one (before the latest batch)'),
      table(['slice', 'n', 'previous FNR', 'current FNR', 'p', 'flag'], r.slices.map((s) => ({ flagged: s.flagged, cells: [s.scope, s.n, pct(s.previous_fnr), pct(s.current_fnr), s.p.toExponential(1), s.flagged ? 'anomalous' : ''] })), (x) => x.flagged),
      el('h4', {}, `Provenance: chain ${chain.ok ? 'verified' : `BROKEN at entry ${chain.first_bad}`}, ${r.audit.findings.length} records from unexpected uploaders or hours`),
      table(['source', 'uploader', 'registered', 'records', 'out of hours'], r.audit.uploaders.map((u) => ({ flagged: !u.registered || u.out_of_hours > 0, cells: [u.source, u.uploader, u.registered ? 'yes' : 'NO', u.records, u.out_of_hours] })), (x) => x.flagged),
      el('h4', {}, 'Anomalies tied to the log: records that carry a flagged cell\'s anomalous tokens, and how many came from an unexpected uploader or hour'),
      table(['cell', 'anomalous tokens', 'records with them', 'unexpected uploads', 'uploaders'], r.ties.map((t) => ({ flagged: t.unexpected_uploads > 0, cells: [t.cell, t.tokens.join(', '), t.records, t.unexpected_uploads, t.uploaders.join(', ')] })), (x) => x.flagged),
      el('h4', {}, 'Detectors, scored against the true poison'),
      table(['signal', 'flagged', 'precision', 'recall', 'how'], r.detectors.map((d) => ({ cells: [d.name, d.score.flagged, d.score.precision.toFixed(2), d.score.recall.toFixed(2), d.note] }))),
      el('p', { id: 'po-verdict' }, `Flagged by at least two signals: ${r.flagged.length} records, precision ${r.precision.toFixed(2)}, recall ${r.recall.toFixed(2)}.`),
      el('p', { id: 'po-remedy' }, `Remediation: removed ${r.remediation.removed} records (${r.remediation.removed_poison} of the ${r.poisoned} poisoned) and retrained: accuracy ${pct(r.remediation.accuracy_before)} → ${pct(r.remediation.accuracy_after)}, ASR ${pct(r.remediation.asr_before)} → ${pct(r.remediation.asr_after)}.`),
    );
    if (r.flagged.length) this.$('po-msg-id').value = r.flagged[0];
  }

  async chain(op, args) {
    const v = await this.core.call(op, args);
    this.$('po-chain').textContent = v.ok ? `Chain verified: ${v.entries} entries.` : `Verification FAILED at entry ${v.first_bad}: ${v.reason}.`;
  }

  async dp() {
    const $ = this.$;
    const r = await this.core.call('poisonDp', { request: this.request() });
    $('dp-result').replaceChildren(
      el('p', { id: 'dp-eps' }, `ε = ${r.epsilon.toFixed(3)} at δ = ${r.config.delta} (RDP order ${r.order}, ${r.steps} steps), trained on data with ${r.poisoned} poisoned records.`),
      el('p', { class: 'muted' }, `What ε says: with probability at least 1 − δ, adding or removing any one training e-mail changes the probability of any outcome of training by a factor of at most e^ε (here ${Math.exp(r.epsilon).toFixed(1)}). It bounds what one record can do; ${r.poisoned} poisoned records together are a group, bounded far more loosely — which is why the backdoor weakens but does not vanish.`),
      table(['filter', 'accuracy', 'ham FPR', 'ASR'], [
        { cells: ['DP-SGD logistic regression', pct(r.private.accuracy), pct(r.private.false_positive_rate), pct(r.private.asr)] },
        { cells: ['non-private logistic regression', pct(r.non_private.accuracy), pct(r.non_private.false_positive_rate), pct(r.non_private.asr)] }]));
  }

  view(head, body) {
    this.$('po-msg-head').textContent = head;
    this.$('po-msg-body').textContent = body; // plain text: never parsed as HTML
  }

  async showMessage(id) {
    const m = await this.core.call('poisonMessage', { id });
    const meta = m.meta;
    this.view(`#${m.id} · ${meta.group} · labelled ${m.label} (truly ${m.truth}) · ${meta.source} via ${meta.uploader} · batch ${meta.batch} · ${new Date(meta.ingest * 1000).toISOString()}${meta.poison ? ' · INJECTED' : ''}`, `From: ${m.from}\nSubject: ${m.subject}\n\n${m.body}`);
  }

  async inspect() {
    const raw = new TextEncoder().encode(this.$('po-raw').value);
    // the previous message never stays beside a verdict on this one
    this.view('Reading your e-mail…', '');
    let r;
    try {
      r = await this.core.call('poisonInspect', { raw, model: this.request().filter, seed: this.request().seed });
    } catch (e) {
      this.view(`Your e-mail was not read: ${e.message}`, '');
      throw e;
    }
    this.view(`Your e-mail: ${r.spam ? 'SPAM' : 'ham'} (P(spam) ${pct(r.probability)}, ${r.model}${r.html ? ', had an HTML part' : ''})`, `From: ${r.from}\nSubject: ${r.subject}\n\n${r.body}`);
  }
}
