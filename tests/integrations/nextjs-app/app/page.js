// A server component calls decryptData; a client component (also rendered on the server) imports
// `init` and decrypts in the browser. The key and the sealed text come from the environment of
// `next start` (test only: a real page never hands a key to the browser).
import { decryptData } from 'allpass-crypto';
import Decrypt from './decrypt.js';

export const dynamic = 'force-dynamic';

export default function Page() {
  const { ALLPASS_KEY: key, ALLPASS_TEST_SEALED: sealed } = process.env;
  return (
    <main>
      <p id="server">{decryptData(sealed, key)}</p>
      <Decrypt sealed={sealed} secret={key} />
    </main>
  );
}
