// The evasion lab: attack the selected image in the worker and show original | perturbation |
// adversarial, the probabilities before and after, and the norms and queries the core reports.
const FIELDS = ['attack', 'eps', 'norm', 'steps', 'queries', 'target', 'defense', 'adaptive', 'seed'];
const DEFAULTS = { attack: 'pgd', eps: '8', norm: 'linf', steps: '10', queries: '1000', target: '', defense: 'none', adaptive: '0', seed: '0' };

export class EvasionLab {
  constructor({ core, $, classNames, onChange, showError }) {
    this.core = core;
    this.$ = $;
    this.classNames = classNames;
    this.onChange = onChange;
    this.showError = showError;
    this.source = null; // {kind:'sample', index, label} | {kind:'upload', name, rgba}
    this.last = null;
    const t = $('ev-target');
    classNames.forEach((n, i) => { const o = document.createElement('option'); o.value = String(i); o.textContent = n; t.append(o); });
    $('ev-form').addEventListener('submit', (e) => { e.preventDefault(); this.run(); });
    $('ev-form').addEventListener('change', () => { this.syncControls(); this.onChange(); });
    $('ev-newseed').addEventListener('click', async () => {
      $('ev-seed').value = String(await core.call('freshSeed'));
      this.onChange();
    });
    $('ev-cancel').addEventListener('click', () => core.cancel());
    this.syncControls();
  }

  /** Settings as URL parameters (strings). */
  params() {
    const $ = this.$;
    return {
      attack: $('ev-attack').value, eps: $('ev-eps').value.trim(), norm: $('ev-norm').value, steps: $('ev-steps').value.trim(),
      queries: $('ev-queries').value.trim(), target: $('ev-target').value, defense: $('ev-defense').value,
      adaptive: $('ev-adaptive').checked ? '1' : '0', seed: $('ev-seed').value.trim(),
    };
  }

  applyParams(p) {
    const $ = this.$;
    const v = { ...DEFAULTS, ...Object.fromEntries(FIELDS.filter((f) => p.get(f) !== null).map((f) => [f, p.get(f)])) };
    const setSel = (id, val) => { const el = $(id); if ([...el.options].some((o) => o.value === val)) el.value = val; };
    setSel('ev-attack', v.attack); setSel('ev-norm', v.norm); setSel('ev-target', v.target); setSel('ev-defense', v.defense);
    $('ev-eps').value = v.eps; $('ev-steps').value = v.steps; $('ev-queries').value = v.queries; $('ev-seed').value = v.seed;
    $('ev-adaptive').checked = v.adaptive === '1';
    this.syncControls();
  }

  syncControls() {
    const $ = this.$;
    const a = $('ev-attack').value;
    const blackBox = ['square', 'hsja', 'simba'].includes(a);
    $('ev-queries').closest('label').hidden = !blackBox;
    $('ev-steps').closest('label').hidden = blackBox || a === 'fgsm';
    $('ev-norm').closest('label').hidden = !['fgsm', 'pgd', 'apgd'].includes(a);
    const minimal = ['cw', 'deepfool', 'hsja'].includes(a);
    $('ev-eps-help').textContent = minimal ? 'L2 cap in pixel units (0 = none: the attack finds the smallest perturbation)'
      : ($('ev-norm').value === 'l2' && ['fgsm', 'pgd', 'apgd'].includes(a) ? 'L2 radius in pixel units' : '/255 (L∞)');
    $('ev-target').closest('label').hidden = a === 'deepfool';
  }

  /** The attack request, validated; throws with a sentence on bad input. */
  request() {
    const p = this.params();
    const a = p.attack;
    const l2 = ['cw', 'deepfool', 'hsja'].includes(a) || (p.norm === 'l2' && ['fgsm', 'pgd', 'apgd'].includes(a));
    let eps;
    const m = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*([0-9]*\.?[0-9]+))?\s*$/.exec(p.eps);
    if (!m) throw new Error(`ε “${p.eps}” is not a number (examples: 8, 8/255, 0.5).`);
    eps = Number(m[1]) / (m[2] ? Number(m[2]) : (l2 ? 1 : 255));
    if (!Number.isFinite(eps) || eps < 0) throw new Error('ε must be a number ≥ 0.');
    const int = (s, name) => {
      if (!/^\d+$/.test(s)) throw new Error(`${name} must be a whole number.`);
      return Number(s);
    };
    if (!/^\d+$/.test(p.seed) || !Number.isSafeInteger(Number(p.seed))) throw new Error('The seed must be a whole number below 2^53.');
    return {
      attack: a, eps, norm: p.norm, steps: int(p.steps, 'Steps'), queries: int(p.queries, 'The query budget'),
      target: p.target === '' ? null : Number(p.target), defense: p.defense, adaptive: p.adaptive === '1', seed: Number(p.seed),
    };
  }

  select(source) {
    this.source = source;
    this.$('ev-out').hidden = true;
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
      const res = this.source.kind === 'sample'
        ? await this.core.call('attackSample', { index: this.source.index, request: req })
        : await this.core.call('attackUpload', { rgba: this.source.rgba, request: req });
      res.ms = performance.now() - t;
      this.show(res);
    } catch (e) {
      this.showError(e.message);
    } finally {
      $('ev-run').disabled = false;
      $('ev-cancel').hidden = true;
      $('ev-run').textContent = 'Run attack';
    }
  }

  show(r) {
    const $ = this.$;
    this.last = r;
    const draw = (id, rgba) => $(id).getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), 32, 32), 0, 0);
    draw('ev-orig', r.origRgba);
    draw('ev-delta', r.deltaRgba);
    draw('ev-adv', r.advRgba);
    $('ev-delta-cap').textContent = `Perturbation ×${r.deltaScale.toFixed(1)} (grey = 0)`;
    const name = (c) => this.classNames[c] ?? `class ${c}`;
    const v = $('ev-verdict');
    const goal = r.targeted === null ? `away from ${name(r.label)}` : `to ${name(r.targeted)}`;
    v.textContent = r.success
      ? `Attack succeeded (${goal}): ${name(r.clean.predicted)} → ${name(r.adversarial.predicted)}`
      : `Attack failed (${goal}): still ${name(r.adversarial.predicted)}`;
    v.className = `verdict ${r.success ? 'ok' : 'fail'}`;
    v.dataset.success = String(r.success);
    const bars = (id, side) => {
      const el = $(id);
      el.replaceChildren();
      for (const t of side.top) {
        const row = document.createElement('div');
        row.className = 'bar' + (t.class === r.label ? ' correct' : '');
        const n = document.createElement('span'); n.textContent = t.name;
        const track = document.createElement('div'); track.className = 'track';
        const fill = document.createElement('div'); fill.className = 'fill'; fill.style.width = `${(100 * t.probability).toFixed(2)}%`;
        track.append(fill);
        const pct = document.createElement('span'); pct.className = 'pct'; pct.textContent = `${(100 * t.probability).toFixed(1)}%`;
        row.append(n, track, pct);
        el.append(row);
      }
    };
    bars('ev-before', r.clean);
    bars('ev-after', r.adversarial);
    const facts = [
      ['Attack', `${r.attack.toUpperCase()} (${r.norm === 'linf' ? 'L∞' : 'L2'}${r.eps > 0 ? `, ε = ${r.norm === 'linf' ? `${(r.eps * 255).toFixed(2)}/255` : r.eps.toFixed(3)}` : ''})`],
      ['Defence', `${r.defense}${r.defense !== 'none' ? (r.adaptive ? ' — adaptive attacker (BPDA/EOT)' : ' — naive attacker (ignores it)') : ''}`],
      ['Gradients', r.gradient === 'exact' ? 'exact (nn engine)' : `estimated (NES over tract)${r.gradientNote ? `: ${r.gradientNote}` : ''}`],
      ['L∞', `${(r.linf * 255).toFixed(2)}/255`],
      ['L2', r.l2.toFixed(4)],
      ['L0', `${r.l0} of 3072 values`],
      ['Model queries', String(r.queries)],
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
    c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(r.advRgba), 32, 32), 0, 0);
    c.toBlob((blob) => { if (blob) { URL.revokeObjectURL($('ev-png').href); $('ev-png').href = URL.createObjectURL(blob); } }, 'image/png');
    const { advRgba, deltaRgba, origRgba, ...report } = r;
    URL.revokeObjectURL($('ev-json').href);
    $('ev-json').href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 1)], { type: 'application/json' }));
    $('ev-out').hidden = false;
  }
}
