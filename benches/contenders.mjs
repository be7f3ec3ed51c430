// Every way a user could decrypt and encrypt an Allpass payload, each written the way that
// library is meant to be used: hex string in, hex string out, JSON text on the other side.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cbc } from '@noble/ciphers/aes.js';
import { bytesToHex, hexToBytes, utf8ToBytes, randomBytes } from '@noble/ciphers/utils.js';
import CryptoJS from 'crypto-js';
import aesjs from 'aes-js';

const consumer = process.env.ALLPASS_CONSUMER_DIR;
if (!consumer) throw new Error('ALLPASS_CONSUMER_DIR is not set: run `make bench`');
/** The package under test, from the packed tarball. */
export const allpass = createRequire(join(consumer, 'package.json'))('allpass-crypto');

const utf8 = new TextDecoder();

/** The vendor's documented functions, verbatim: the reference every ratio is against. */
const nodeCrypto = {
  decrypt(encryptedTextWithIv, key) {
    const keyBuff = Buffer.from(key, 'hex');
    const iv = Buffer.from(encryptedTextWithIv.slice(0, 32), 'hex');
    const decipher = crypto.createDecipheriv('aes-256-cbc', keyBuff, iv);
    let decrypted = decipher.update(encryptedTextWithIv.slice(32), 'hex', 'utf8');
    decrypted += decipher.final('utf8');
    return decrypted;
  },
  encrypt(data, key) {
    const iv = crypto.randomBytes(16);
    const cipher = crypto.createCipheriv('aes-256-cbc', Buffer.from(key, 'hex'), iv);
    let encrypted = cipher.update(JSON.stringify(data), 'utf8', 'hex');
    encrypted += cipher.final('hex');
    return iv.toString('hex') + encrypted;
  },
};

/** Contenders: name → (key) => { decrypt(text), encrypt(data) }. Key-parsing cost is per call
 * for all but `AllpassCipher`, whose point is to parse and expand the key once. */
export const contenders = {
  'node:crypto (vendor code)': (key) => ({
    decrypt: (text) => nodeCrypto.decrypt(text, key),
    encrypt: (data) => nodeCrypto.encrypt(data, key),
  }),
  'allpass-crypto decryptData/encryptData': (key) => ({
    decrypt: (text) => allpass.decryptData(text, key),
    encrypt: (data) => allpass.encryptData(data, key),
  }),
  'allpass-crypto AllpassCipher': (key) => {
    const cipher = new allpass.AllpassCipher(key);
    return { decrypt: (text) => cipher.decrypt(text), encrypt: (data) => cipher.encrypt(data) };
  },
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

export const REFERENCE = 'node:crypto (vendor code)';
export { nodeCrypto };
