// Interview practice: a scenario's prompt, an optional timer, the answer box, the core's
// concept matcher on the answer (which rubric points it covers, with links into the labs), a
// model-answer outline to reveal, and the hands-on checks of scenarios 1–3 (run by the core in
// this lab's worker). Answers and results stay in localStorage. Every string reaches the page
// as text.
import { CoreClient } from '../../client.js';
import { download, el } from '../../ui.js';

const STORE = 'mlsec:practice:v1';
const empty = () => ({ answers: {}, hands_on: {}, seeds: {}, scores: {} });

export default class PracticePage {
  constructor({ $, onChange, showError }) {
    this.$ = $;
    this.onChange = onChange;
    this.showError = showError;
    this.core = new CoreClient();
    this.scenarios = null;
    this.current = null;
    this.state = this.read();
    this.timer = null;
    this.saveTimer = null;
    $('pr-scenario').addEventListener('change', () => { this.open($('pr-scenario').value); this.onChange(); });
    $('pr-answer').addEventListener('input', () => {
      clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => { this.state.answers[this.current.id] = $('pr-answer').value; this.write(); }, 300);
    });
    $('pr-check').addEventListener('click', () => this.check());
    $('pr-timer-start').addEventListener('click', () => this.toggleTimer());
    $('pr-export').addEventListener('click', () => this.export());
    $('pr-clear').addEventListener('click', () => { this.state = empty(); this.write(); this.fillMenu(); this.open(this.current.id); this.status('Your answers and results were cleared.'); });
    $('pr-ev-check').addEventListener('click', () => this.task('evasion', () => this.checkEvasion()));
    $('pr-ev-new').addEventListener('click', () => { this.newSeed('evasion'); this.showEvasionTask(); });
    $('pr-ex-new').addEventListener('click', () => { this.newSeed('extraction'); this.write(); this.fillMenu(); $('pr-task-result').textContent = 'A new thief is waiting.'; });
    $('pr-ex-check').addEventListener('click', () => this.task('extraction', () => this.checkExtraction()));
    $('pr-po-evidence').addEventListener('click', () => this.task('backdoor', () => this.showEvidence()));
    $('pr-po-new').addEventListener('click', () => { this.newSeed('backdoor'); $('pr-po-tables').replaceChildren(); $('pr-task-result').textContent = ''; });
    $('pr-po-check').addEventListener('click', () => this.task('backdoor', () => this.checkPoisoning()));
    // a check runs in the worker: Cancel ends it (the next check starts a fresh one)
    $('pr-task-cancel').addEventListener('click', () => { this.cancelled = true; this.core.cancel(); });
  }

  read() {
    try {
      const s = JSON.parse(localStorage.getItem(STORE) || 'null');
      if (s && typeof s === 'object') return { ...empty(), ...s };
    } catch { /* unreadable: start afresh below, keeping the text aside */ localStorage.setItem(`${STORE}:unreadable`, localStorage.getItem(STORE) || ''); }
    return empty();
  }

  write() { localStorage.setItem(STORE, JSON.stringify(this.state)); }

  status(msg) { this.$('pr-status').textContent = msg; }

  params() { return this.current ? { scenario: this.current.id } : {}; }

  async show(p) {
    if (!this.scenarios) {
      this.scenarios = await this.core.call('practiceScenarios');
      this.fillMenu();
    }
    const want = p.get('scenario');
    const id = this.scenarios.some((s) => s.id === want) ? want : (this.current?.id ?? this.scenarios[0].id);
    if (this.current?.id !== id) this.open(id);
  }

  fillMenu() {
    const sel = this.$('pr-scenario');
    const was = sel.value;
    sel.replaceChildren(...this.scenarios.map((s, i) => {
      const score = this.state.scores[s.id];
      const done = this.state.hands_on[s.id]?.passed ? ' · hands-on passed' : '';
      return el('option', { value: s.id }, `${i + 1}. ${s.title}${score ? ` — ${score.covered}/${score.total}` : ''}${done}`);
    }));
    if (was) sel.value = was;
  }

  open(id) {
    const $ = this.$;
    const s = this.scenarios.find((x) => x.id === id);
    this.current = s;
    this.stopTimer();
    $('pr-scenario').value = id;
    $('pr-title').textContent = s.title;
    $('pr-prompt').textContent = s.prompt;
    $('pr-answer').value = this.state.answers[id] ?? '';
    $('pr-feedback').replaceChildren();
    $('pr-outline').replaceChildren(...s.outline.map((l) => el('li', {}, l)));
    $('pr-outline-box').open = false;
    const timer = $('pr-timer');
    const minutes = [...new Set([s.minutes, 5, 10, 15, 20])].sort((a, b) => a - b);
    timer.replaceChildren(el('option', { value: '0' }, 'off'), ...minutes.map((m) => el('option', { value: String(m) }, `${m} min${m === s.minutes ? ' (suggested)' : ''}`)));
    $('pr-clock').textContent = '';
    $('pr-task').hidden = !s.task;
    for (const t of ['evasion', 'extraction', 'poisoning']) $(`pr-task-${t}`).hidden = s.task !== t;
    $('pr-task-result').textContent = this.state.hands_on[id]?.message ?? '';
    $('pr-po-tables').replaceChildren();
    if (s.task === 'evasion') this.showEvasionTask();
    this.status(this.state.scores[id] ? `Last check: ${this.state.scores[id].covered} of ${this.state.scores[id].total} points.` : '');
  }

  toggleTimer() {
    if (this.timer) { this.stopTimer(); this.$('pr-clock').textContent = 'Stopped.'; return; }
    const minutes = Number(this.$('pr-timer').value);
    if (!minutes) { this.status('Choose a time first (the timer is off).'); return; }
    const end = Date.now() + minutes * 60000;
    this.$('pr-timer-start').textContent = 'Stop';
    const tick = () => {
      const left = Math.max(0, end - Date.now());
      const m = Math.floor(left / 60000);
      const sec = Math.floor((left % 60000) / 1000);
      this.$('pr-clock').textContent = left > 0 ? `${m}:${String(sec).padStart(2, '0')} left` : 'Time is up.';
      if (left === 0) this.stopTimer();
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  stopTimer() {
    clearInterval(this.timer);
    this.timer = null;
    this.$('pr-timer-start').textContent = 'Start';
  }

  async check() {
    const $ = this.$;
    const id = this.current.id;
    const answer = $('pr-answer').value;
    this.state.answers[id] = answer;
    this.write();
    // the old verdict belongs to the old answer: gone before the new one is computed
    $('pr-feedback').replaceChildren();
    try {
      const f = await this.core.call('practiceCheck', { id, answer });
      this.state.scores[id] = { covered: f.covered, total: f.total };
      this.write();
      this.fillMenu();
      const list = el('ul', { class: 'rubric' });
      for (const p of f.points) {
        const li = el('li', { class: p.covered ? 'covered' : 'missed', 'data-point': p.id },
          el('span', { class: 'mark', 'aria-hidden': 'true' }, p.covered ? '✓' : '✗'), ' ',
          el('span', { class: 'visually-hidden' }, p.covered ? 'Covered: ' : 'Not covered: '), p.text, ' ',
          el('span', { class: 'muted' }, p.covered ? `(found: ${p.found.join(', ')})` : `(look for: ${p.missing.join(', ')})`));
        if (p.link) li.append(' ', el('a', { href: p.link }, 'see it in the lab'));
        list.append(li);
      }
      const score = el('p', { id: 'pr-score', class: 'verdict', tabindex: '-1' }, `${f.covered} of ${f.total} rubric points covered.`);
      $('pr-feedback').replaceChildren(score, list, f.truncated ? el('p', { class: 'muted' }, 'Only the first 20,000 characters were read.') : '',
        el('p', { class: 'muted' }, 'A keyword-level check: it finds the concepts a strong answer names, not whether your reasoning holds.'));
      score.focus();
      this.status(f.words ? `Checked ${f.words} words.` : 'The answer is empty.');
    } catch (e) {
      this.showError(e.message);
    }
  }

  async export() {
    try {
      const md = await this.core.call('practiceMarkdown', { progress: { answers: this.state.answers, hands_on: this.state.hands_on } });
      download('mlsec-practice.md', md, 'text/markdown');
      this.status('Your answers were exported as Markdown.');
    } catch (e) { this.showError(e.message); }
  }

  // hands-on -----------------------------------------------------------------------------

  seed(id) {
    if (this.state.seeds[id] === undefined) this.newSeed(id);
    return this.state.seeds[id];
  }

  newSeed(id) {
    // the hidden task's seed: drawn here, kept, never shown
    this.state.seeds[id] = Math.floor(Math.random() * 2 ** 52);
    delete this.state.hands_on[id];
    this.write();
  }

  async task(id, work) {
    const $ = this.$;
    if (this.running) return;
    this.running = true;
    const buttons = [...$('pr-task').querySelectorAll('button')].filter((b) => b.id !== 'pr-task-cancel');
    for (const b of buttons) b.disabled = true;
    this.cancelled = false;
    $('pr-task-cancel').hidden = false;
    this.showError('');
    try {
      const r = await work();
      if (r && 'passed' in r) {
        // a pass is kept until a new task is drawn; a later miss is shown, not recorded over it
        if (r.passed || !this.state.hands_on[id]?.passed) this.state.hands_on[id] = { passed: r.passed, message: r.message };
        this.write();
        this.fillMenu();
        $('pr-task-result').textContent = r.message;
        $('pr-task-result').className = `verdict ${r.passed ? 'pass' : 'notyet'}`;
        $('pr-task-result').focus();
      }
    } catch (e) {
      if (this.cancelled) $('pr-task-result').textContent = 'Cancelled.';
      else this.showError(e.message);
    } finally {
      this.running = false;
      $('pr-task-cancel').hidden = true;
      $('pr-ex-progress').hidden = true;
      for (const b of buttons) b.disabled = false;
    }
  }

  async showEvasionTask() {
    const $ = this.$;
    $('pr-ev-task').textContent = 'Drawing an image the robust model gets right…';
    try {
      const t = await this.core.call('practiceEvasionTask', { seed: this.seed('evasion') });
      $('pr-ev-task').textContent = `Your image: #${t.image} (${t.class}).`;
      $('pr-ev-link').href = `#lab=evasion&model=robust&img=${t.image}&attack=pgd&steps=10&eps=${$('pr-ev-eps').value || 4}`;
    } catch (e) { $('pr-ev-task').textContent = ''; this.showError(e.message); }
  }

  checkEvasion() {
    const eps = Number(this.$('pr-ev-eps').value);
    if (!Number.isFinite(eps) || this.$('pr-ev-eps').value.trim() === '') throw new Error('ε must be a number of /255 levels.');
    this.$('pr-task-result').textContent = `Running PGD-10 at ε ${eps}/255…`;
    return this.core.call('practiceCheckEvasion', { seed: this.seed('evasion'), eps });
  }

  checkExtraction() {
    const $ = this.$;
    $('pr-ex-progress').hidden = false;
    $('pr-ex-progress').value = 0;
    $('pr-task-result').textContent = 'The thief sends its queries…';
    return this.core.call('practiceCheckExtraction', { seed: this.seed('extraction'), policy: $('pr-ex-policy').value, prada: $('pr-ex-prada').value }, {
      onProgress: ({ done, total }) => {
        $('pr-ex-progress').value = done / total;
        $('pr-task-result').textContent = done < total ? 'The honest client sends its queries…' : '';
      },
    }).finally(() => { $('pr-ex-progress').hidden = true; });
  }

  async showEvidence() {
    const $ = this.$;
    $('pr-task-result').textContent = 'Running the pipeline and collecting the evidence…';
    const ev = await this.core.call('practiceEvidence', { seed: this.seed('backdoor') });
    $('pr-po-source').replaceChildren(...ev.sources.map((s) => el('option', { value: s }, s)));
    const table = (head, rows) => el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, String(c)))))));
    const up = table(['source', 'account', 'registered for it', 'records', 'outside its hours'], ev.uploaders.map((u) => [u.source, u.uploader, u.registered ? 'yes' : 'no', u.records, u.out_of_hours]));
    const drift = table(['recent data', 'source', 'records', 'over-represented tokens (q < 0.01)'], ev.drift.map(([scope, source, sig, n]) => [scope, source ?? '—', n, sig]));
    $('pr-po-tables').replaceChildren(el('h4', {}, 'Uploads per account (the ingestion log)'), up, el('h4', {}, 'Drift of each recent batch against the 2002 baseline'), drift);
    $('pr-task-result').textContent = '';
    return null;
  }

  checkPoisoning() {
    const source = this.$('pr-po-source').value;
    const uploader = this.$('pr-po-uploader').value;
    if (!source) throw new Error('Show the evidence first, then choose a source.');
    return this.core.call('practiceCheckPoisoning', { seed: this.seed('backdoor'), source, uploader });
  }
}
