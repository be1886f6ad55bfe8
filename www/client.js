// A promise API over the worker that owns the wasm instance.
// call(op, args, {onProgress}) -> Promise; cancel() terminates the worker (the only way to
// stop running wasm) and starts a fresh one. A wasm trap inside the worker is reported as an
// error and the worker is replaced, so the tab never freezes on a bad input. `setup(client)`,
// when set, runs on every fresh worker (reload its model) before any other request reaches it:
// a request made while the worker restarts waits for it (its own calls pass {setup: true}).

export class CoreClient {
  constructor(url = new URL('./worker.js', import.meta.url)) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.initArgs = null;
    this.worker = null;
    this.onRestart = null;
    this.setup = null;
    this.ready = Promise.resolve();
  }

  start() {
    this.worker = new Worker(this.url, { type: 'module' });
    this.ready = this.setup ? Promise.resolve().then(() => this.setup(this)).catch(() => {}) : Promise.resolve();
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
    if (msg.ok) p.resolve(msg.result);
    else {
      p.reject(new Error(msg.error));
      if (msg.fatal) this.restart();
    }
  }

  call(op, args = {}, { onProgress, transfer = [], setup = false } = {}) {
    if (!this.worker) this.start();
    const id = this.nextId++;
    const gate = setup ? Promise.resolve() : this.ready;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      // posted once the worker is set up, unless the request was failed (cancelled) meanwhile
      gate.then(() => { if (this.pending.has(id)) this.worker.postMessage({ id, op, args }, transfer); });
    });
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
    this.start();
    this.onRestart?.();
  }
}
