// The labs, in the order of the nav: one line per lab (IDS below). Read by app.js (nav, router, panels)
// and by worker.js (each lab's worker operations). A lab is the folder www/labs/<id>/:
//   meta.js     export default { id, label, images?, ownStatus?, panel, page, ops? }
//                 id         the route (#lab=<id>) and the panel's id (lab-<id>)
//                 label      the nav entry
//                 images     true: the page shows the test-image gallery and model column
//                 ownStatus  true: the lab reports in its own status line (the page's is hidden)
//                 main       CSS selector of the lab's main action (the tests check it is in reach)
//                 panel      URL of panel.html: the lab's <section id="lab-<id>" class="lab" hidden>
//                 page       () => import('./page.js'): export default class, see below
//                 ops        URL of ops.js (worker side): export default (core) => ({ opName: async (args) => … })
//   page.js     new Page(ctx) with ctx = { $, core, images, onChange, showError, status }
//                 show(params, first)  the lab is shown; params: URLSearchParams of the hash; on the
//                                      first show (or a link that carries settings) apply them
//                 params()             its settings as URL keys (strings)
//                 select?(source)      (image labs) the gallery's selection changed
//                 modelChanged?()      (image labs) the page's model changed
// A lab not built yet is a folder with only meta.js, `soon: true` in it (a disabled nav entry).
// The e2e tests import this file too (Node): meta.js may only use what Node and the page share.
// Each lab's meta.js, in the order of the nav (a module's top-level await: the importers wait for them).
const IDS = [
  'classify',
  'evasion',
  'extraction',
  'poisoning',
  'privacy',
  'scanner',
  'threats',
  'practice',
];

export const LABS = await Promise.all(IDS.map(async (id) => (await import(`./${id}/meta.js`)).default));
