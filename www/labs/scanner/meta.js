export default {
  id: 'scanner',
  label: 'Model scanner',
  images: false,
  ownStatus: false,
  main: '#sc-scan-sample',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
