// What identifies a delivery (lib/delivery.mjs) and the time it is ordered by (lib/order.mjs):
// the body digest ignores case and the envelope time; the event digest is the payload with its
// time; fingerprints are read off the hex; an event is never ordered later than first seen.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { packageDir } from './package-under-test.mjs';

const lib = (name) => import(pathToFileURL(join(packageDir, 'lib', name)).href);
const { deliveryOf, envelopeOf, eventDigest } = await lib('delivery.mjs');
const { orderTime } = await lib('order.mjs');
const hex = (...blocks) => blocks.map((block) => block.padEnd(32, '0')).join('');

describe('deliveryOf', () => {
  it('the body digest: 32 hex characters, the same in either case, another for other data', async () => {
    const data = hex('00112233445566778899aabbccddeeff', 'ffeeddccbbaa99887766554433221100');
    const lower = await deliveryOf({ data, time: 'a' });
    const upper = await deliveryOf({ data: data.toUpperCase(), time: 'b' });
    assert.match(lower.bodyDigest, /^[0-9a-f]{32}$/);
    assert.equal(upper.bodyDigest, lower.bodyDigest);
    assert.notEqual((await deliveryOf({ data: hex('01', '02') })).bodyDigest, lower.bodyDigest);
  });

  it("each block's first 8 bytes as two words, a (0, 0) block as (0, 1); blocks as hex when read", async () => {
    const delivery = await deliveryOf({ data: hex('0000000100000002ffff', '0') });
    assert.deepEqual([...delivery.words], [1, 2, 0, 1]);
    assert.deepEqual(delivery.blocks, ['0000000100000002', '0000000000000000']);
  });

  it('null for data that is not whole blocks of hex (the core names the error)', async () => {
    for (const data of [undefined, 42, '', 'zz'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(40)]) assert.equal(await deliveryOf({ data }), null, String(data));
    assert.equal(await deliveryOf(undefined), null);
  });

  it('envelopeOf: JSON text or bytes of an object; a parsed object as is; anything else undefined', () => {
    assert.deepEqual(envelopeOf('{"data":"x"}'), { data: 'x' });
    assert.deepEqual(envelopeOf(new TextEncoder().encode('{"data":"x"}')), { data: 'x' });
    const parsed = { data: 'y' };
    assert.equal(envelopeOf(parsed), parsed);
    for (const body of ['[1]', 'null', '{', new Uint8Array([0xff])]) assert.equal(envelopeOf(body), undefined);
  });
});

describe('eventDigest', () => {
  it('the payload text with its time: equal for the same text at the same instant; different at another instant or for another payload', async () => {
    const text = JSON.stringify({ id: 'a', stepName: 'inProgress' });
    const at = await eventDigest(Date.parse('2026-01-01T00:00:00.000Z'), text);
    assert.match(at, /^[0-9a-f]{32}$/);
    assert.equal(await eventDigest(Date.parse('2026-01-01T00:00:00Z'), text), at, 'the same instant, however the time was written');
    assert.notEqual(await eventDigest(Date.parse('2026-01-01T00:00:01.000Z'), text), at);
    assert.notEqual(await eventDigest(Date.parse('2026-01-01T00:00:00.000Z'), JSON.stringify({ id: 'a', stepName: 'onHold' })), at);
  });
});

describe('orderTime', () => {
  it('the earlier of the claimed time and the first sighting', () => {
    const seen = Date.parse('2026-01-01T00:10:00Z');
    assert.equal(orderTime('2026-01-01T00:05:00Z', seen), Date.parse('2026-01-01T00:05:00Z'), 'an older claim is taken');
    assert.equal(orderTime('2999-01-01T00:00:00Z', seen), seen, 'a later claim is not');
    assert.equal(orderTime(seen - 1, seen), seen - 1);
  });
});
