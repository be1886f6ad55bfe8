export default {
  id: 'classify',
  label: 'Classify',
  images: true,
  ownStatus: false,
  main: '#upload',
  panel: new URL('./panel.html', import.meta.url),
  page: () => import('./page.js'),
};
