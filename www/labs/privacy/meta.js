export default {
  id: 'privacy',
  label: 'Privacy',
  images: false,
  ownStatus: true,
  main: '#pv-run',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
