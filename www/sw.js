// Offline support: caches every asset of this build (listed in asset-manifest.json, written by
// build.sh) under a cache named by the build's hash. Network first, cache when offline, so a
// new build is picked up as soon as the server has it. The cache holds the manifest's assets
// and nothing else: a response is stored only where the install step stored that path, so no
// URL a page makes up (`?x=1`, `/anything`) can grow it.
const version = new URL(self.location).searchParams.get('v') || 'dev';
const CACHE = `mlsec-${version}`;

self.addEventListener('install', (ev) => {
  ev.waitUntil((async () => {
    const r = await fetch(`asset-manifest.json?v=${version}`, { cache: 'no-store' });
    const manifest = await r.json();
    const cache = await caches.open(CACHE);
    await cache.addAll(manifest.files.map((f) => new Request(f, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('mlsec-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  ev.respondWith((async () => {
    try {
      const res = await fetch(req);
      if (res.ok) {
        const cache = await caches.open(CACHE);
        if (await cache.match(req)) cache.put(req, res.clone());
      }
      return res;
    } catch (e) {
      const hit = await caches.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw e;
    }
  })());
});
