export default {
  id: 'evasion',
  label: 'Evasion',
  images: true,
  ownStatus: false,
  main: '#ev-run',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
