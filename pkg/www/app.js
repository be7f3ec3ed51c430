// The debugging page. All decryption happens here, in WebAssembly; the key never leaves the tab.
// Everything a webhook contains is untrusted: it is only ever put on the page as text.
import init, { AllpassCipher, createWebhook, decryptData, generateKey, parseWebhook } from '../dist/web/allpass_crypto.js';
import { hintFor } from '../lib/codes.mjs';

await init();

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const REMEMBER = 'allpass-crypto:key';

// What each error means for someone debugging an integration, and what to do about it: the
// package's one list of hints (lib/codes.mjs, also the CLI's), by stable code and reason.
function explain(error) {
  const { cause, fix } = hintFor(error) ?? { cause: 'Unexpected error.', fix: '' };
  return { code: error.code ?? 'ERROR', message: error.message, cause, fix: fix && `${fix[0].toUpperCase()}${fix.slice(1)}.` };
}

function showError(box, error) {
  const { code, message, cause, fix } = explain(error);
  box.replaceChildren(
    el('p', {}, el('strong', { className: 'code', textContent: code }), ' ', cause),
    el('p', { className: 'fix', textContent: fix }),
    el('p', { className: 'detail', textContent: message }),
  );
  box.dataset.code = code;
  box.hidden = false;
}

// ---- key ------------------------------------------------------------------------------------
const keyInput = $('key');
const keyStatus = $('key-status');
let cipher = null;

function keyChanged() {
  cipher?.free();
  cipher = null;
  const text = keyInput.value;
  keyStatus.className = 'status';
  if (!text.trim()) {
    keyStatus.textContent = 'Enter the key, or generate one to try the page out.';
  } else {
    try {
      cipher = new AllpassCipher(text);
      keyStatus.textContent = text !== text.trim() ? '✓ Valid key (surrounding whitespace ignored).' : '✓ Valid key.';
      keyStatus.classList.add('ok');
    } catch (error) {
      keyStatus.textContent = `✗ ${explain(error).cause} ${error.message}`;
      keyStatus.classList.add('bad');
    }
  }
  if ($('remember').checked) sessionStorage.setItem(REMEMBER, text);
  renderInbox();
}
keyInput.addEventListener('input', keyChanged);
$('generate-key').addEventListener('click', () => {
  keyInput.value = generateKey();
  keyChanged();
});
$('remember').addEventListener('change', (event) => {
  if (event.target.checked) sessionStorage.setItem(REMEMBER, keyInput.value);
  else sessionStorage.removeItem(REMEMBER);
});
if (sessionStorage.getItem(REMEMBER) !== null) {
  keyInput.value = sessionStorage.getItem(REMEMBER);
  $('remember').checked = true;
}

// ---- tabs -----------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
  tab.focus();
}
tabs.forEach((tab, index) => {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step) selectTab(tabs[(index + step + tabs.length) % tabs.length]);
  });
});

// ---- what was pasted ------------------------------------------------------------------------
/** What the input is: { kind, note, body?, data? }. */
function detect(raw) {
  const text = raw.trim();
  const padded = text !== raw && text ? ' Surrounding whitespace is ignored.' : '';
  if (!text) return { kind: 'empty', note: 'Paste a webhook body or its data string.' };
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      return { kind: 'broken-json', note: `Looks like JSON, but it does not parse.${padded}`, body: text };
    }
    if (typeof value === 'string') return { kind: 'data', note: `A JSON string: its content is used as the data string.${padded}`, data: value };
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.data === 'string') {
      return { kind: 'envelope', note: `Detected: webhook envelope (JSON with status, statusCode, data, time).${padded}`, body: text };
    }
    return { kind: 'other-json', note: `JSON, but not an Allpass envelope: no string “data” field.${padded}`, body: text };
  }
  if (/^[0-9a-f]+$/i.test(text)) {
    const blocks = (text.length - 32) / 32;
    const shape = Number.isInteger(blocks) && blocks >= 1 ? `16-byte IV + ${blocks} block${blocks > 1 ? 's' : ''}` : 'not a whole number of blocks';
    return { kind: 'data', note: `Detected: bare encrypted data string (hex, ${text.length} characters: ${shape}).${padded}`, data: text };
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return { kind: 'data', note: `Looks like base64 — Allpass sends hex.${padded}`, data: text };
  return { kind: 'data', note: `Not JSON and not hex: trying it as a data string anyway.${padded}`, data: text };
}

const input = $('input');
input.addEventListener('input', () => { $('detected').textContent = detect(input.value).note; });

// ---- decrypt --------------------------------------------------------------------------------
/** A collapsible, text-only view of a JSON value. */
function tree(value, name) {
  const label = name === undefined ? [] : [el('span', { className: 'name', textContent: JSON.stringify(name) }), ': '];
  if (value === null || typeof value !== 'object') {
    return el('div', { className: 'leaf' }, ...label, el('span', { className: `value ${value === null ? 'null' : typeof value}`, textContent: JSON.stringify(value) }));
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const summary = el('summary', {}, ...label, `${open} ${entries.length} ${Array.isArray(value) ? 'item' : 'key'}${entries.length === 1 ? '' : 's'} ${close}`);
  return el('details', { open: true }, summary, ...entries.map(([key, item]) => tree(item, Array.isArray(value) ? undefined : key)));
}

const ago = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
function age(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  if (!Number.isFinite(seconds)) return 'not a valid time';
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(seconds) >= size) return ago.format(Math.round(seconds / size), unit);
  }
  return ago.format(Math.round(seconds), 'second');
}

let lastPayload = '';
function decrypt() {
  const error = $('error');
  error.hidden = true;
  $('result').hidden = true;
  const found = detect(input.value);
  $('detected').textContent = found.note;
  try {
    if (found.kind === 'empty') throw Object.assign(new Error('nothing to decrypt'), { code: 'INVALID_ARGUMENT' });
    let envelope = null;
    let payload;
    if (found.body !== undefined) {
      envelope = parseWebhook(found.body, keyInput.value);
      payload = envelope.data;
    } else {
      const text = decryptData(found.data, keyInput.value);
      try { payload = JSON.parse(text); } catch { payload = text; }
    }
    const fields = $('envelope-fields');
    fields.replaceChildren();
    if (envelope) {
      for (const [name, value] of [['status', String(envelope.status)], ['statusCode', String(envelope.statusCode)], ['time', `${envelope.time} (${age(envelope.time)})`]]) {
        fields.append(el('dt', { textContent: name }), el('dd', { textContent: value }));
      }
    } else {
      fields.append(el('dt', { textContent: 'input' }), el('dd', { textContent: 'bare data string (no envelope fields)' }));
    }
    lastPayload = JSON.stringify(payload, null, 2);
    $('output').replaceChildren(tree(payload));
    $('result').hidden = false;
  } catch (thrown) {
    showError(error, thrown);
  }
}
$('decrypt').addEventListener('click', decrypt);
input.addEventListener('keydown', (event) => { if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) decrypt(); });
$('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(lastPayload);
    $('copy').textContent = 'Copied';
  } catch {
    $('copy').textContent = 'Copy blocked: select the text';
  }
  setTimeout(() => { $('copy').textContent = 'Copy JSON'; }, 1500);
});

// ---- encrypt --------------------------------------------------------------------------------
const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;
$('curl-url').value = new URL('/webhook', location.href).href;
let lastEnvelope = null;
function renderCurl() {
  if (!lastEnvelope) return;
  $('curl').value = `curl -X POST ${shellQuote($('curl-url').value)} \\\n  -H 'content-type: application/json' \\\n  --data ${shellQuote(JSON.stringify(lastEnvelope))}`;
}
$('encrypt').addEventListener('click', () => {
  const error = $('encrypt-error');
  error.hidden = true;
  $('encrypt-result').hidden = true;
  try {
    let data;
    try {
      data = JSON.parse($('encrypt-input').value);
    } catch (parseError) {
      throw Object.assign(new Error(parseError.message), { code: 'INVALID_JSON' });
    }
    lastEnvelope = createWebhook(data, keyInput.value);
    $('ciphertext').value = lastEnvelope.data;
    $('envelope').value = JSON.stringify(lastEnvelope, null, 2);
    renderCurl();
    $('encrypt-result').hidden = false;
  } catch (thrown) {
    showError(error, thrown);
  }
});
$('curl-url').addEventListener('input', renderCurl);
$('open-encrypted').addEventListener('click', () => {
  input.value = JSON.stringify(lastEnvelope);
  selectTab($('tab-decrypt'));
  decrypt();
});

// ---- inbox ----------------------------------------------------------------------------------
const received = [];
$('inbox-url').textContent = new URL('/webhook', location.href).href;

function renderInbox() {
  $('inbox-count').textContent = String(received.length);
  const items = received.slice().reverse().map((webhook) => {
    let summary;
    let state = 'bad';
    if (!cipher) {
      summary = 'enter the key to decrypt';
      state = 'pending';
    } else {
      try {
        const opened = parseWebhook(webhook.body, keyInput.value);
        summary = JSON.stringify(opened.data);
        state = 'ok';
      } catch (error) {
        summary = `${error.code}: ${explain(error).cause}`;
      }
    }
    const open = el('button', { type: 'button', textContent: 'Open in Decrypt' });
    open.addEventListener('click', () => {
      input.value = webhook.body;
      selectTab($('tab-decrypt'));
      decrypt();
    });
    return el('li', { className: state },
      el('div', { className: 'meta', textContent: `#${webhook.id} · received ${new Date(webhook.receivedAt).toLocaleTimeString()} · ${webhook.body.length} bytes` }),
      ...(webhook.forward ? [forwardLine(webhook.forward)] : []),
      el('code', { className: 'summary', textContent: summary.length > 300 ? `${summary.slice(0, 300)}…` : summary }),
      open);
  });
  $('inbox').replaceChildren(...items);
}

/** `serve --forward-to URL`: what the user's own endpoint answered. */
function forwardLine(forward) {
  let text;
  let state;
  if (forward.pending) [text, state] = [`forwarding to ${forward.url}…`, 'pending'];
  else if (forward.status !== undefined) [text, state] = [`forwarded to ${forward.url}: ${forward.status} in ${forward.ms} ms`, forward.status >= 200 && forward.status < 300 ? 'ok' : 'bad'];
  else [text, state] = [`forward to ${forward.url}: ${forward.error}`, 'bad'];
  const line = el('div', { className: `forward ${state}`, textContent: text });
  line.dataset.testid = 'forward';
  if (forward.status !== undefined) line.dataset.status = String(forward.status);
  return line;
}

function addWebhook(webhook) {
  const known = received.find((item) => item.id === webhook.id);
  if (known) {
    if (webhook.forward && !webhook.forward.pending) known.forward = webhook.forward;
  } else {
    received.push(webhook);
    received.sort((a, b) => a.id - b.id);
    if (received.length > 100) received.shift();
  }
  renderInbox();
}

function forwarded({ id, forward }) {
  const known = received.find((item) => item.id === id);
  if (!known) return;
  known.forward = forward;
  renderInbox();
}

async function fetchStored() {
  const response = await fetch('/webhooks');
  if (response.status === 401) throw new Error('token');
  if (!response.ok) throw new Error(String(response.status));
  (await response.json()).forEach(addWebhook);
}

async function connectInbox() {
  try {
    await fetchStored();
    const events = new EventSource('/events');
    events.addEventListener('webhook', (event) => addWebhook(JSON.parse(event.data)));
    events.addEventListener('forward', (event) => forwarded(JSON.parse(event.data)));
    // After a reconnect (the server drops a stream that falls behind), catch up from the store.
    events.addEventListener('open', () => {
      $('inbox-status').textContent = 'Listening for webhooks.';
      fetchStored().catch(() => {});
    });
    events.addEventListener('error', () => { $('inbox-status').textContent = 'Inbox disconnected; retrying…'; });
  } catch (error) {
    $('inbox-status').textContent = error.message === 'token'
      ? 'The inbox needs its token: open the URL `allpass-crypto serve` printed.'
      : 'No inbox here: run `npx allpass-crypto serve` to receive webhooks (decrypt and encrypt work without it).';
  }
}

keyChanged();
$('detected').textContent = detect(input.value).note;
connectInbox();
document.body.dataset.ready = 'true';
