'use client';
import init, { decryptData } from 'allpass-crypto';
import { useEffect, useState } from 'react';

export default function Decrypt({ sealed, secret }) {
  const [text, setText] = useState('waiting');
  useEffect(() => {
    init()
      .then(() => setText(decryptData(sealed, secret)))
      .catch((error) => setText(`failed: ${error.code ?? error.message}`));
  }, [sealed, secret]);
  return <p id="client">{text}</p>;
}
