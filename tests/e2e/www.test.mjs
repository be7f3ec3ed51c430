// The debugging page (pkg/www) served by the repo's inbox server (pkg/lib/server.mjs), in
// headless Chromium: the tests are in page-suite.mjs.
import { createServer } from '../../pkg/lib/server.mjs';
import { pageSuite } from './page-suite.mjs';

pageSuite('debugging page (repo server)', async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: `${origin}/?token=${server.token}`,
    stop: async () => {
      server.closeAllEvents();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
