export default {
  id: 'extraction',
  label: 'Extraction',
  images: false,
  ownStatus: true,
  main: '#ex-steal',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
