// lib/validate.mjs, the one check per kind of argument that the JavaScript layer, the CLI and the
// simulator share: what each accepts, its fallback, and the message that names what to fix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from './package-under-test.mjs';

const { wholeNumber, finiteNumber, httpUrl } = await import(pathToFileURL(join(packageDir, 'lib/validate.mjs')).href);

describe('wholeNumber', () => {
  it('returns a safe integer in range, or the fallback when the value is undefined', () => {
    assert.equal(wholeNumber('rememberBlocks', 2, 10, 2), 2);
    assert.equal(wholeNumber('rememberBlocks', undefined, 10, 2), 10);
    assert.equal(wholeNumber('port', 65535, undefined, 0, 65535), 65535);
    assert.equal(wholeNumber('port', 0, undefined, 0, 65535), 0);
  });

  it('refuses anything else with a TypeError naming the argument, its range and what it got', () => {
    for (const bad of [1.5, -1, Number.NaN, Infinity, 2 ** 53, '10', null, 10n, [], {}]) {
      assert.throws(() => wholeNumber('concurrency', bad, 8, 1), (error) => error instanceof TypeError && /^`concurrency` must be a whole number, at least 1, got /.test(error.message), String(bad));
    }
    assert.throws(() => wholeNumber('port', 65536, undefined, 0, 65535), { name: 'TypeError', message: '`port` must be a whole number, from 0 to 65535, got 65536' });
    assert.throws(() => wholeNumber('x', '10', undefined, 1), { message: '`x` must be a whole number, at least 1, got "10"' });
    assert.throws(() => wholeNumber('x', undefined, undefined, 1), { message: '`x` must be a whole number, at least 1, got undefined' });
  });

  it('a name ending in Ms reads as milliseconds', () => {
    assert.throws(() => wholeNumber('duplicateWindowMs', 0.5, 1, 1), { message: '`duplicateWindowMs` must be a whole number of milliseconds, at least 1, got 0.5' });
  });

  it('never echoes a long string (a key pasted into the wrong option)', () => {
    const key = 'ab'.repeat(32);
    assert.throws(() => wholeNumber('leaseMs', key, 1, 1), (error) => !error.message.includes(key.slice(0, 8)) && /a string of 64 characters/.test(error.message));
  });
});

describe('finiteNumber', () => {
  it('returns a finite number at least min, or the fallback', () => {
    assert.equal(finiteNumber('timeScale', 0, 1, 0), 0);
    assert.equal(finiteNumber('timeScale', 0.25, 1, 0), 0.25);
    assert.equal(finiteNumber('timeScale', undefined, 1, 0), 1);
  });

  it('refuses NaN, infinities, numbers below min and non-numbers', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity, -0.1, '1', null]) {
      assert.throws(() => finiteNumber('duplicates', bad, 0.1, 0), (error) => error instanceof TypeError && /^`duplicates` must be a number, at least 0, got /.test(error.message), String(bad));
    }
  });
});

describe('httpUrl', () => {
  it('returns the URL of an absolute http: or https: address, given as a string or a URL', () => {
    assert.equal(httpUrl('to', 'http://127.0.0.1:3000/hook').href, 'http://127.0.0.1:3000/hook');
    assert.equal(httpUrl('to', new URL('https://example.com')).href, 'https://example.com/');
  });

  it('refuses other schemes, relative or malformed addresses and non-strings', () => {
    assert.throws(() => httpUrl('to', 'ftp://example.com/'), { name: 'TypeError', message: '`to` must be an http or https URL, got ftp:' });
    for (const bad of ['not a url', '/hook', '', 42, undefined, null, {}]) {
      assert.throws(() => httpUrl('forwardTo', bad), (error) => error instanceof TypeError && /^`forwardTo` must be an absolute http or https URL/.test(error.message), String(bad));
    }
  });

  it('with `secure`: https:, or http: to this machine only, the reason in the message', () => {
    const secure = { secure: 'the app key must not cross the network in clear' };
    for (const ok of ['https://allpass.example', 'http://localhost:3000', 'http://127.0.0.1:1', 'http://[::1]:8080/']) assert.equal(httpUrl('baseUrl', ok, secure).href, new URL(ok).href);
    for (const bad of ['http://allpass.example', 'http://10.0.0.1:8080', 'http://localhost.evil.example', 'ftp://localhost/']) {
      assert.throws(() => httpUrl('baseUrl', bad, secure), /^TypeError: `baseUrl` must be an https: URL \(got .*\): the app key must not cross the network in clear/, bad);
    }
  });
});
