// The pure-JS libraries, each written the way it is meant to be used: hex string in, hex
// string out, JSON text on the other side. Web APIs only (TextDecoder, crypto.getRandomValues),
// so the Node runs and the browser page time the very same code.
import { cbc } from '@noble/ciphers/aes.js';
import { bytesToHex, hexToBytes, utf8ToBytes, randomBytes } from '@noble/ciphers/utils.js';
import CryptoJS from 'crypto-js';
import aesjs from 'aes-js';

const utf8 = new TextDecoder();

/** name → (key) => { decrypt(text), encrypt(data) }; the key is parsed on every call. */
export const jsContenders = {
  '@noble/ciphers': (key) => ({
    decrypt: (text) => utf8.decode(cbc(hexToBytes(key), hexToBytes(text.slice(0, 32))).decrypt(hexToBytes(text.slice(32)))),
    encrypt: (data) => {
      const iv = randomBytes(16);
      return bytesToHex(iv) + bytesToHex(cbc(hexToBytes(key), iv).encrypt(utf8ToBytes(JSON.stringify(data))));
    },
  }),
  'crypto-js': (key) => {
    const options = (iv) => ({ iv, mode: CryptoJS.mode.CBC, padding: CryptoJS.pad.Pkcs7 });
    return {
      decrypt: (text) =>
        CryptoJS.AES.decrypt(
          { ciphertext: CryptoJS.enc.Hex.parse(text.slice(32)) },
          CryptoJS.enc.Hex.parse(key),
          options(CryptoJS.enc.Hex.parse(text.slice(0, 32))),
        ).toString(CryptoJS.enc.Utf8),
      encrypt: (data) => {
        const iv = CryptoJS.lib.WordArray.random(16);
        const sealed = CryptoJS.AES.encrypt(JSON.stringify(data), CryptoJS.enc.Hex.parse(key), options(iv));
        return iv.toString(CryptoJS.enc.Hex) + sealed.ciphertext.toString(CryptoJS.enc.Hex);
      },
    };
  },
  'aes-js': (key) => ({
    decrypt: (text) => {
      const mode = new aesjs.ModeOfOperation.cbc(aesjs.utils.hex.toBytes(key), aesjs.utils.hex.toBytes(text.slice(0, 32)));
      return aesjs.utils.utf8.fromBytes(aesjs.padding.pkcs7.strip(mode.decrypt(aesjs.utils.hex.toBytes(text.slice(32)))));
    },
    encrypt: (data) => {
      const iv = crypto.getRandomValues(new Uint8Array(16));
      const mode = new aesjs.ModeOfOperation.cbc(aesjs.utils.hex.toBytes(key), iv);
      const padded = aesjs.padding.pkcs7.pad(aesjs.utils.utf8.toBytes(JSON.stringify(data)));
      return aesjs.utils.hex.fromBytes(iv) + aesjs.utils.hex.fromBytes(mode.encrypt(padded));
    },
  }),
};
