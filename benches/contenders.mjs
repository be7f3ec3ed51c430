// Every way a user could decrypt and encrypt an Allpass payload in Node, each written the way
// that library is meant to be used: hex string in, hex string out, JSON text on the other side.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { jsContenders } from './js-contenders.mjs';

const consumer = process.env.ALLPASS_CONSUMER_DIR;
if (!consumer) throw new Error('ALLPASS_CONSUMER_DIR is not set: run `make bench`');
/** The package under test, from the packed tarball. */
export const allpass = createRequire(join(consumer, 'package.json'))('allpass-crypto');

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
  ...jsContenders,
};

export const REFERENCE = 'node:crypto (vendor code)';
export { nodeCrypto };
