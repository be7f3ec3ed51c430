// How every suite launches Debian's Chromium with playwright-core: headless as root, and without
// the background connections this machine's closed network refuses.
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
