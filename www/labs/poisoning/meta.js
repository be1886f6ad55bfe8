export default {
  id: 'poisoning',
  label: 'Poisoning',
  images: false,
  ownStatus: true,
  main: '#po-run',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
  ops: new URL('./ops.js', import.meta.url),
};
