// A promise API over the worker that owns the wasm instance.
// call(op, args, {onProgress}) -> Promise; cancel() terminates the worker (the only way to
// stop running wasm) and starts a fresh one. A wasm trap inside the worker is reported as an
// error and the worker is replaced, so the tab never freezes on a bad input. `setup(client)`,
// when set, runs on every fresh worker (reload its model) before any other request reaches it:
// a request made while the worker restarts waits for it (its own calls pass {setup: true}).
// once(make): a lab's load into the worker, made again after a restart.
// `idleMs`: a worker with nothing to do for that long is terminated (its memory freed); the next
// call starts a fresh one (through `setup`). Only for workers that keep no state a user made:
// the evaluation pool and the scanner (squoosh ends idle workers after 10 s); the image core,
// the extraction lab's API and the poisoning lab's filters live on.

export class CoreClient {
  constructor(url = new URL('./worker.js', import.meta.url), { idleMs = 0 } = {}) {
    this.url = url;
    this.idleMs = idleMs;
    this.idleTimer = null;
    this.nextId = 1;
    this.pending = new Map();
    this.initArgs = null;
    this.worker = null;
    this.onRestart = null;
    this.setup = null;
    this.loaded = null;
    this.ready = Promise.resolve();
  }

  start() {
    this.worker = new Worker(this.url, { type: 'module' });
    // setup gets a client whose calls pass the gate (they are the setup)
    const direct = { call: (op, args, o = {}) => this.call(op, args, { ...o, setup: true }) };
    this.ready = this.setup ? Promise.resolve().then(() => this.setup(direct)).catch(() => {}) : Promise.resolve();
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.failAll(new Error(`The core stopped: ${ev.message || 'worker error'}`));
      this.restart();
    };
  }

  receive(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress !== undefined) { p.onProgress?.(msg.progress); return; }
    this.pending.delete(msg.id);
    this.idle();
    if (msg.ok) p.resolve(msg.result);
    else {
      p.reject(new Error(msg.error));
      if (msg.fatal) this.restart();
    }
  }

  /** Schedule the idle termination once nothing is pending. */
  idle() {
    clearTimeout(this.idleTimer);
    if (!this.idleMs || this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0 || !this.worker) return;
      this.worker.terminate();
      this.worker = null;
    }, this.idleMs);
  }

  /** Start the worker (if it is not running) and wait for its setup. */
  warm() {
    if (!this.worker) this.start();
    this.idle();
    return this.ready;
  }

  call(op, args = {}, { onProgress, transfer = [], setup = false } = {}) {
    clearTimeout(this.idleTimer);
    if (!this.worker) this.start();
    const id = this.nextId++;
    const gate = setup ? Promise.resolve() : this.ready;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      // posted once the worker is set up, unless the request was failed (cancelled) meanwhile
      gate.then(() => { if (this.pending.has(id)) this.worker.postMessage({ id, op, args }, transfer); });
    });
  }

  /** The promise `make()` returns, made once per worker (a lab's load into it): made again
   *  after a restart (a cancel) or after it failed. `loaded` is that promise, or null. */
  once(make) {
    if (!this.loaded) {
      const p = make();
      this.loaded = p;
      p.catch(() => { if (this.loaded === p) this.loaded = null; });
    }
    return this.loaded;
  }

  get busy() { return this.pending.size > 0; }

  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  cancel() {
    this.failAll(new Error('Cancelled.'));
    this.restart();
  }

  restart() {
    this.worker?.terminate();
    this.worker = null;
    this.loaded = null;
    this.start();
    this.onRestart?.();
  }
}
