// A lab's settings on the page. Its controls are named by the core's parameter names (the
// lab's `Params` in src/labs/<lab>/params.rs); their defaults come from the core, fetched once
// from the lab's worker; a URL key that names a parameter the page has no control for is kept
// and sent with the rest; a checkbox carries a boolean (`true`/`false` in the URL). `scale` shows a parameter in other units (the poisoning rate in %).

export class Settings {
  /**
   * @param $ getElementById
   * @param fetchDefaults () => Promise<object> (the core's defaults, typed)
   * @param fields {param: element id}
   * @param scale {param: factor} shown = core × factor
   */
  constructor($, fetchDefaults, fields, scale = {}) {
    this.$ = $;
    this.fetchDefaults = fetchDefaults;
    this.fields = fields;
    this.scale = scale;
    this.extra = {};
    this.value = null;
    this.pending = null;
  }

  /** The core's defaults (cached; a failed fetch is retried on the next call). */
  defaults() {
    if (!this.pending) {
      this.pending = this.fetchDefaults().then((d) => { this.value = d; return d; });
      this.pending.catch(() => { this.pending = null; });
    }
    return this.pending;
  }

  shown(k, v) {
    return this.scale[k] ? String(Math.round(1e6 * v * this.scale[k]) / 1e6) : String(v);
  }

  /** Set the controls from URL parameters (a URLSearchParams), the defaults for the rest. */
  async apply(p) {
    const d = await this.defaults();
    const given = (k) => (p && p.get(k) !== null && p.get(k) !== '' ? p.get(k) : null);
    this.extra = {};
    for (const k of Object.keys(d)) if (!(k in this.fields) && given(k) !== null) this.extra[k] = given(k);
    for (const [k, id] of Object.entries(this.fields)) {
      const e = this.$(id);
      if (e.type === 'checkbox') { const v = given(k) ?? String(d[k]); e.checked = v === 'true' || v === '1'; continue; }
      e.value = given(k) ?? this.shown(k, d[k]);
      if (e.tagName === 'SELECT' && !e.value) e.value = this.shown(k, d[k]);
    }
  }

  /** The settings as the URL carries them (strings, in the units shown). */
  params() {
    const out = { ...this.extra };
    for (const [k, id] of Object.entries(this.fields)) { const e = this.$(id); out[k] = e.type === 'checkbox' ? String(e.checked) : e.value; }
    return out;
  }

  /** Every setting for the core, typed like its default; throws a sentence on a malformed number. */
  typed() {
    const d = this.value;
    if (!d) throw new Error('The lab is still starting: try again in a moment.');
    const out = { ...d };
    for (const [k, v] of Object.entries(this.params())) {
      if (typeof d[k] === 'boolean') { out[k] = v === true || v === 'true' || v === '1'; continue; }
      if (typeof d[k] !== 'number') { out[k] = v; continue; }
      const n = Number(v);
      if (String(v).trim() === '' || !Number.isFinite(n)) throw new Error(`${k} must be a number (got “${v}”).`);
      out[k] = this.scale[k] ? n / this.scale[k] : n;
    }
    return out;
  }
}
