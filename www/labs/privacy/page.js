// The privacy lab: membership inference against a spam filter trained on few e-mails — the
// loss threshold and LiRA, their ROC curves on log-log axes, TPR at low FPR, the members most
// exposed, and DP-SGD's audit. Its own worker owns a PrivacyLab (the wasm core); every figure
// here is the core's. Subjects from the corpus reach the page through textContent only.
import { CoreClient } from '../../client.js';
import { el } from '../../ui.js';
import { Settings } from '../../settings.js';
import uPlot from '../../vendor/uplot/uPlot.esm.js';

// The controls, by the core's parameter names (labs::privacy::Params); defaults from the core.
const FIELDS = { members: 'pv-members', nonmembers: 'pv-nonmembers', epochs: 'pv-epochs', shadows: 'pv-shadows', seed: 'pv-seed', private: 'pv-private', q: 'pv-q', sigma: 'pv-sigma', clip: 'pv-clip', dp_epochs: 'pv-dp-epochs' };
const COLORS = { loss: '#d68910', lira_online: '#c0392b', lira_offline: '#2471a3' };
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
    for (const id of Object.values(FIELDS)) $(id).addEventListener('change', () => this.onChange());
    $('pv-run').addEventListener('click', () => this.run());
    $('pv-cancel').addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
  }

  params() { return this.settings.params(); }
  async show(p, first) { if (first) await this.settings.apply(p); }

  request() {
    const r = this.settings.typed();
    if (!(Number.isSafeInteger(r.seed) && r.seed >= 0)) throw new Error('The seed must be a whole number below 2^53.');
    return r;
  }

  async run() {
    const $ = this.$;
    if (this.running) return;
    this.running = true;
    this.cancelled = false;
    this.showError('');
    $('pv-run').disabled = true;
    $('pv-cancel').hidden = false;
    const bar = $('pv-progress');
    bar.hidden = false;
    bar.value = 0;
    const t = performance.now();
    try {
      await this.settings.defaults();
      const request = this.request();
      $('pv-status').textContent = `Training the victim and ${request.shadows} shadow filters…`;
      const r = await this.core.call('privacyRun', { request }, {
        onProgress: ({ done, total }) => { bar.value = done / total; $('pv-status').textContent = `Shadow ${done} of ${total} trained…`; },
      });
      this.render(r);
      $('pv-status').textContent = `Done in ${((performance.now() - t) / 1000).toFixed(1)} s (seed ${r.seed}).`;
    } catch (e) {
      $('pv-status').textContent = this.cancelled ? 'The attack was cancelled.' : '';
      if (!this.cancelled) this.showError(e.message);
    } finally {
      bar.hidden = true;
      $('pv-cancel').hidden = true;
      $('pv-run').disabled = false;
      this.running = false;
      $('pv-status').focus();
    }
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
