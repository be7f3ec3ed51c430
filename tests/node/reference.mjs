// The vendor's two functions, written exactly as its documentation writes them (node:crypto).
// Every differential test compares the package under test with these.
import crypto from 'node:crypto';

export function decryptData(encryptedTextWithIv, key) {
  const keyBuff = Buffer.from(key, 'hex');
  const iv = Buffer.from(encryptedTextWithIv.slice(0, 32), 'hex');
  const encryptedText = encryptedTextWithIv.slice(32);
  const decipher = crypto.createDecipheriv('aes-256-cbc', keyBuff, iv);
  let decrypted = decipher.update(encryptedText, 'hex', 'utf8');
  decrypted += decipher.final('utf8');
  return decrypted;
}

export function encryptData(data, key) {
  const keyBuff = Buffer.from(key, 'hex');
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-cbc', keyBuff, iv);
  let encrypted = cipher.update(JSON.stringify(data), 'utf8', 'hex');
  encrypted += cipher.final('hex');
  return iv.toString('hex') + encrypted;
}

/** Raw bytes under a chosen IV: for plaintexts that are not valid UTF-8, and for vectors. */
export function encryptBytes(plaintext, key, iv = crypto.randomBytes(16)) {
  const cipher = crypto.createCipheriv('aes-256-cbc', Buffer.from(key, 'hex'), iv);
  return iv.toString('hex') + Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('hex');
}

/** Raw plaintext bytes: node:crypto's decryption without the UTF-8 step. */
export function decryptBytes(encryptedTextWithIv, key) {
  const decipher = crypto.createDecipheriv('aes-256-cbc', Buffer.from(key, 'hex'), Buffer.from(encryptedTextWithIv.slice(0, 32), 'hex'));
  return Buffer.concat([decipher.update(Buffer.from(encryptedTextWithIv.slice(32), 'hex')), decipher.final()]);
}

/** What the reference does with an input: its result, or the message it throws. */
export function outcome(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { thrown: error.message };
  }
}

export const randomKey = () => crypto.randomBytes(32).toString('hex');
