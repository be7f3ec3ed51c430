import init from 'allpass-crypto';
import { renderToString } from 'react-dom/server';
import { Decrypted } from './Decrypted.jsx';

export async function render(props) {
  await init();
  return renderToString(<Decrypted {...props} />);
}
