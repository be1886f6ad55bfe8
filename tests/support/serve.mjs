// Static file server for www/ on 127.0.0.1 (used by `./build.sh serve` and the browser tests).
// node tests/support/serve.mjs [root=www] [port=8000]; port 0 picks a free one. Prints the URL.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] || 'www');
const port = Number(process.argv[3] ?? 8000);
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

// The page's Content-Security-Policy, also sent as a header: a <meta> policy does not reach the
// workers (their policy is their script response's), so without it a worker could fetch() or
// import() any origin. One source: index.html's <meta>. The bench page (its own meta, blob:
// workers of onnxruntime-web) and its vendored runtime are left to their meta.
const indexHtml = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
const CSP = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(indexHtml)?.[1];
if (!CSP) throw new Error('index.html has no Content-Security-Policy <meta>');
const ownPolicy = (rel) => !/^\/(bench\.|vendor\/ort\/)/.test(rel);

const server = http.createServer((req, res) => {
  let rel;
  try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400).end(); return; }
  let file = path.resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + path.sep)) { res.writeHead(403).end('forbidden'); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    const headers = {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (ownPolicy(rel)) headers['content-security-policy'] = CSP;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file).pipe(res);
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`MLSec Playground: http://127.0.0.1:${server.address().port}/`);
});
