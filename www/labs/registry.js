// The labs, in the order of the nav: one line per lab. Read by app.js (nav, router, panels)
// and by worker.js (each lab's worker operations). A lab is the folder www/labs/<id>/:
//   meta.js     export default { id, label, images?, ownStatus?, panel, page, ops? }
//                 id         the route (#lab=<id>) and the panel's id (lab-<id>)
//                 label      the nav entry
//                 images     true: the page shows the test-image gallery and model column
//                 ownStatus  true: the lab reports in its own status line (the page's is hidden)
//                 panel      URL of panel.html: the lab's <section id="lab-<id>" class="lab" hidden>
//                 page       () => import('./page.js'): export default class, see below
//                 ops        URL of ops.js (worker side): export default (core) => ({ opName: async (args) => … })
//   page.js     new Page(ctx) with ctx = { $, core, images, onChange, showError, status }
//                 show(params, first)  the lab is shown; params: URLSearchParams of the hash; on the
//                                      first show (or a link that carries settings) apply them
//                 params()             its settings as URL keys (strings)
//                 select?(source)      (image labs) the gallery's selection changed
//                 modelChanged?()      (image labs) the page's model changed
// A lab not built yet is listed with `soon: true` (a disabled nav entry).
import classify from './classify/meta.js';
import evasion from './evasion/meta.js';
import extraction from './extraction/meta.js';
import poisoning from './poisoning/meta.js';
import privacy from './privacy/meta.js';
import scanner from './scanner/meta.js';
import threats from './threats/meta.js';
import practice from './practice/meta.js';

export const LABS = [
  classify,
  evasion,
  extraction,
  poisoning,
  privacy,
  scanner,
  threats,
  practice,
];
