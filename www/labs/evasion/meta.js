export default {
  id: 'evasion',
  label: 'Evasion',
  images: true,
  ownStatus: false,
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
