export default {
  id: 'practice',
  label: 'Practice',
  images: false,
  ownStatus: true,
  main: '#pr-check',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
