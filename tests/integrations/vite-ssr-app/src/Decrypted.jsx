// One component, rendered on the server and hydrated in the browser: `init()` has run on both
// sides before it renders (a no-op in Node), so decryptData gives the same text in each.
import { decryptData } from 'allpass-crypto';
import { useEffect, useState } from 'react';

export function Decrypted({ sealed, secret }) {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <p id="decrypted" data-hydrated={hydrated ? 'yes' : 'no'}>
      {decryptData(sealed, secret)}
    </p>
  );
}
