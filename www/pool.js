// A pool of core workers (one per core, at most 4) for "evaluate on N images": each worker
// owns its own wasm instance and model; tasks are handed out as workers free up, so progress
// is smooth and cancel terminates everything at once. Idle workers end after IDLE_MS and come
// back (set up again) on the next run.
import { CoreClient } from './client.js';

const IDLE_MS = 10000;

export class WorkerPool {
  constructor(size) {
    this.size = Math.max(1, Math.min(size, 4));
    this.clients = [];
    this.setup = null; // async (client) => load the same model as the page
    this.generation = 0;
  }

  async start(setup) {
    this.setup = setup;
    if (this.clients.length === 0) {
      this.clients = Array.from({ length: this.size }, () => {
        const c = new CoreClient(undefined, { idleMs: IDLE_MS });
        c.setup = setup; // runs on every fresh worker before its first request
        return c;
      });
    }
    await Promise.all(this.clients.map((c) => c.warm()));
  }

  /** Run tasks [{op, args}] on the pool; resolves with results in task order. */
  async run(tasks, onProgress) {
    const gen = ++this.generation;
    const results = new Array(tasks.length);
    let next = 0;
    let done = 0;
    const worker = async (client) => {
      while (next < tasks.length) {
        if (gen !== this.generation) throw new Error('Cancelled.');
        const i = next++;
        results[i] = await client.call(tasks[i].op, tasks[i].args);
        done++;
        onProgress?.(done, tasks.length, i, results[i]);
      }
    };
    await Promise.all(this.clients.map(worker));
    return results;
  }

  /** Stop all work: terminate the workers; the next start() builds fresh ones. */
  cancel() {
    this.generation++;
    for (const c of this.clients) { c.onRestart = null; c.failAll(new Error('Cancelled.')); c.worker?.terminate(); }
    this.clients = [];
  }
}
