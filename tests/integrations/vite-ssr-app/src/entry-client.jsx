import init from 'allpass-crypto';
import { hydrateRoot } from 'react-dom/client';
import { Decrypted } from './Decrypted.jsx';

const props = JSON.parse(document.getElementById('props').textContent);
await init();
hydrateRoot(document.getElementById('app'), <Decrypted {...props} />);
