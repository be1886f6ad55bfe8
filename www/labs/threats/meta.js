export default {
  id: 'threats',
  label: 'Threat model',
  images: false,
  ownStatus: true,
  main: '#th-measure-all',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
