// The privacy lab: membership inference against a spam filter trained on few e-mails — the
// loss threshold and LiRA, their ROC curves on log-log axes, TPR at low FPR, the members most
// exposed, and DP-SGD's audit — and model inversion (MIFace) of the committed image models. Its own worker owns a PrivacyLab (the wasm core); every figure
// here is the core's. Subjects from the corpus reach the page through textContent only.
import { CoreClient } from '../../client.js';
import { el } from '../../ui.js';
import { Settings } from '../../settings.js';
import uPlot from '../../vendor/uplot/uPlot.esm.js';

// The controls, by the core's parameter names (labs::privacy::Params); defaults from the core.
const FIELDS = { members: 'pv-members', nonmembers: 'pv-nonmembers', epochs: 'pv-epochs', shadows: 'pv-shadows', seed: 'pv-seed', private: 'pv-private', q: 'pv-q', sigma: 'pv-sigma', clip: 'pv-clip', dp_epochs: 'pv-dp-epochs' };
// Model inversion's controls, by labs::privacy::InvertParams' names; the model is the page's own key.
const INVERT = { class: 'pv-inv-class', steps: 'pv-inv-steps', lr: 'pv-inv-lr', tv: 'pv-inv-tv', stop_at: 'pv-inv-stop' };
const COLORS = { loss: '#d68910', lira_online: '#c0392b', lira_offline: '#2471a3', label_only: '#1e8449', shadow: '#8e44ad' };
const pct = (v) => `${(100 * v).toFixed(1)}%`;
// log axes cannot show 0: rates below this are drawn at it
const FLOOR = 1e-3;

export default class PrivacyLab {
  constructor({ $, onChange, showError }) {
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.core = new CoreClient();
    this.settings = new Settings($, () => this.core.call('privacyDefaults'), FIELDS);
    this.inversion = new Settings($, () => this.core.call('privacyInvertDefaults'), INVERT);
    for (const id of [...Object.values(FIELDS), ...Object.values(INVERT), 'pv-inv-model']) $(id).addEventListener('change', () => this.onChange());
    $('pv-run').addEventListener('click', () => this.run());
    $('pv-invert').addEventListener('click', () => this.invert());
    for (const id of ['pv-cancel', 'pv-inv-cancel']) $(id).addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
  }

  params() { return { ...this.settings.params(), ...this.inversion.params(), invert_model: this.$('pv-inv-model').value }; }
  async show(p, first) {
    if (!first) return;
    await Promise.all([this.settings.apply(p), this.inversion.apply(p)]);
    if (['standard', 'robust'].includes(p?.get('invert_model'))) this.$('pv-inv-model').value = p.get('invert_model');
  }

  request() {
    const r = this.settings.typed();
    if (!(Number.isSafeInteger(r.seed) && r.seed >= 0)) throw new Error('The seed must be a whole number below 2^53.');
    return r;
  }

  /** One job in the lab's worker: the buttons wait, progress on the bar, Cancel ends it;
   *  `at` names the job's own progress bar, Cancel button and status line. */
  async job(work, at = { bar: 'pv-progress', cancel: 'pv-cancel', status: 'pv-status' }) {
    const $ = this.$;
    if (this.running) return;
    this.running = true;
    this.cancelled = false;
    this.showError('');
    $('pv-run').disabled = true;
    $('pv-invert').disabled = true;
    $(at.cancel).hidden = false;
    const bar = $(at.bar);
    bar.hidden = false;
    bar.value = 0;
    const t = performance.now();
    try {
      const done = await work(bar, (text) => { $(at.status).textContent = text; });
      $(at.status).textContent = `Done in ${((performance.now() - t) / 1000).toFixed(1)} s${done}.`;
    } catch (e) {
      $(at.status).textContent = this.cancelled ? 'The job was cancelled.' : '';
      if (!this.cancelled) this.showError(e.message);
    } finally {
      bar.hidden = true;
      $(at.cancel).hidden = true;
      $('pv-run').disabled = false;
      $('pv-invert').disabled = false;
      this.running = false;
      $(at.status).focus();
    }
  }

  run() {
    const $ = this.$;
    return this.job(async (bar) => {
      await this.settings.defaults();
      const request = this.request();
      $('pv-status').textContent = `Training the victim and ${request.shadows} shadow filters…`;
      const r = await this.core.call('privacyRun', { request }, {
        onProgress: ({ done, total }) => { bar.value = done / total; $('pv-status').textContent = `Shadow ${done} of ${total} trained…`; },
      });
      this.render(r);
      return ` (seed ${r.seed})`;
    });
  }

  invert() {
    const $ = this.$;
    return this.job(async (bar, say) => {
      await this.inversion.defaults();
      const request = this.inversion.typed();
      const model = $('pv-inv-model').value;
      say(`Inverting the ${model} model…`);
      const { report, images } = await this.core.call('privacyInvert', { model, request }, {
        onProgress: ({ done, total }) => { bar.value = done / total; say(`Step ${done} of at most ${total}…`); },
      });
      this.renderInversion(report, images);
      return ` (${report.model})`;
    }, { bar: 'pv-inv-progress', cancel: 'pv-inv-cancel', status: 'pv-inv-status' });
  }

  renderInversion(r, images) {
    const $ = this.$;
    $('pv-inv-result').hidden = false;
    $('pv-inv-gallery').replaceChildren(...r.classes.map((c, i) => {
      const side = Math.round(Math.sqrt(images[i].length / 4)); // square RGBA, the model's input side
      const canvas = el('canvas', { width: String(side), height: String(side), role: 'img', 'aria-label': `reconstruction of ${c.name}` });
      canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(images[i]), side, side), 0, 0);
      return el('figure', { 'data-class': String(c.class) }, canvas,
        el('figcaption', {}, `${c.name}: p ${c.probability.toFixed(3)}, ${c.steps} steps; r ${c.mean_correlation.toFixed(2)} with its class's mean, nearest mean: ${c.nearest_mean}`));
    }));
    $('pv-inv-summary').textContent = `${r.model}, ${r.steps} steps: ${r.nearest_own_mean} of ${r.classes.length} reconstructions correlate most with their own class's mean of ${r.reference_images} test images (r: Pearson correlation, pixel by pixel). A high p says the model is sure, not that the image is a photo of anything.`;
  }

  render(r) {
    const $ = this.$;
    $('pv-result').hidden = false;
    const v = r.victim;
    $('pv-victim').textContent = `${v.model} trained on ${v.members} e-mails: accuracy ${pct(v.member_accuracy)} on them and ${pct(v.nonmember_accuracy)} on ${v.nonmembers} it never saw${v.epsilon != null ? `; ε = ${v.epsilon.toFixed(2)} at δ = ${r.params.delta} (RDP order ${v.order}, ${v.steps} steps)` : ''}. LiRA used ${r.shadows} shadows.`;
    const audit = $('pv-audit');
    audit.hidden = !r.audit;
    if (r.audit) {
      audit.textContent = r.audit.holds
        ? `Audit: the strongest attack (${r.audit.by}) proves ε ≥ ${r.audit.empirical_epsilon.toFixed(2)} with 95% confidence; the accountant promises ε = ${r.audit.accountant_epsilon.toFixed(2)}. Consistent: the lower bound is below the promise.`
        : `Audit FAILED: ${r.audit.by} proves ε ≥ ${r.audit.empirical_epsilon.toFixed(2)}, above the accountant's ε = ${r.audit.accountant_epsilon.toFixed(2)}: a bug in DP-SGD or the accountant.`;
    }
    $('pv-attacks').querySelector('tbody').replaceChildren(...r.attacks.map((a) => el('tr', { 'data-key': a.key },
      el('td', {}, `${a.name} (${a.paper})`), el('td', {}, a.auc.toFixed(3)), el('td', {}, pct(a.tpr_at_1pct)), el('td', {}, pct(a.tpr_at_01pct)), el('td', {}, a.epsilon_lower_bound.epsilon.toFixed(2)))));
    $('pv-global').textContent = `Yeom et al.'s global threshold (member if the loss is at most the mean training loss): TPR ${pct(r.global_threshold[0])} at FPR ${pct(r.global_threshold[1])} — a fair-looking accuracy that says little about any one e-mail. Chance is the diagonal: TPR = FPR.`;
    $('pv-exposed').querySelector('tbody').replaceChildren(...r.exposed.map((e) => el('tr', {},
      el('td', {}, `#${e.id}`), el('td', {}, e.label), el('td', {}, e.score.toFixed(2)), el('td', {}, e.loss.toFixed(4)), el('td', {}, e.subject))));
    this.chart(r);
  }

  chart(r) {
    const box = this.$('pv-chart');
    this.plot?.destroy();
    box.replaceChildren();
    // one x axis (FPR) for every curve: the union of their points, each curve stepped onto it
    const xs = [...new Set(r.attacks.flatMap((a) => a.roc.fpr.map((f) => Math.max(FLOOR, f))))].sort((a, b) => a - b);
    const step = (a) => {
      const f = a.roc.fpr.map((x) => Math.max(FLOOR, x));
      let j = 0;
      return xs.map((x) => { while (j + 1 < f.length && f[j + 1] <= x) j += 1; return Math.max(FLOOR, a.roc.tpr[j]); });
    };
    const data = [xs, ...r.attacks.map(step), xs];
    this.plot = new uPlot({
      width: Math.max(320, box.clientWidth || 560), height: 300,
      scales: { x: { time: false, distr: 3, range: [FLOOR, 1] }, y: { distr: 3, range: [FLOOR, 1] } },
      axes: [{ label: 'false-positive rate (log)' }, { label: 'true-positive rate (log)' }],
      series: [{ label: 'FPR' }, ...r.attacks.map((a) => ({ label: a.name, stroke: COLORS[a.key] || '#566573', width: 2 })), { label: 'chance', stroke: '#aaa', dash: [4, 4] }],
    }, data, box);
  }
}
