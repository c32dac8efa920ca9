// The inkline notes app: write on ruled lines, each line is recognized after a short pause (or
// on demand) in a Web Worker; notes live in IndexedDB; images can be uploaded or pasted.

import { WorkerRecognizer, Recognizer } from '../pkg/inkline.js';
import { Imported } from './imported.js';
import { LINE_HEIGHT, Pad } from './pad.js';
import { deleteNote, listNotes, newNote, noteText, noteTitle, saveNote } from './notes.js';

const PAUSE_MS = 700;
const $ = (id) => document.getElementById(id);
const els = {
  canvas: $('pad'),
  rows: $('rows'),
  list: $('note-list'),
  title: $('note-title'),
  backend: $('backend'),
  offline: $('offline'),
  status: $('status'),
  file: $('file'),
};

let recognizer = null;
let note = newNote();
const dirty = new Set();
let timer = null;

const pad = new Pad(els.canvas, {
  onChange(line) {
    dirty.add(line);
    ensureLine(line);
    note.lines[line].strokes = pad.lines[line];
    // Ink is saved as it is drawn, not after it is read: a reload or a new note never loses it.
    // IndexedDB writes are asynchronous (a reload can cut them off), so the note also goes to
    // a synchronous stash that the next start restores.
    stash(note);
    persist();
    scheduleRead();
  },
  onPenDown() {
    // Reading waits for the writer's pause: a stroke begun cancels the read the last one timed.
    clearTimeout(timer);
    // Writing ends an edit of a line's text: it is committed before the new ink is read.
    if (document.activeElement?.matches?.('#rows input')) document.activeElement.blur();
  },
});

const STASH = 'inkline-note-in-progress';

/** Keeps `n` in localStorage (synchronous) until IndexedDB has it. */
function stash(n) {
  try {
    n.updated = Date.now();
    localStorage.setItem(STASH, JSON.stringify(n));
  } catch (e) {
    console.warn('cannot stash the note:', e);
  }
}

/** The stashed note, if it is newer than its saved copy in `notes`. */
function stashed(notes) {
  try {
    const n = JSON.parse(localStorage.getItem(STASH) ?? 'null');
    const saved = n && notes.find((x) => x.id === n.id);
    return n && (!saved || n.updated > saved.updated) ? n : null;
  } catch {
    return null;
  }
}

function scheduleRead() {
  clearTimeout(timer);
  timer = setTimeout(recognizeDirty, PAUSE_MS);
}

/**
 * Whether a line's text is the user's own (corrected by hand, or read from an imported image):
 * reading never replaces it; clearing the text hands the line back to the recognizer. Ink
 * written on such a line afterwards (strokes from `row.kept` on) is read alone and its text
 * added to the user's.
 */
function userText(row) {
  return Boolean(row.text) && (row.edited || row.source === 'image');
}

/** A word (or a line) read with less confidence than this is shown as one to check. */
const UNSURE = 0.6;

/** Recognition calls made (for tests: `body[data-reads]`). */
let reads = 0;

function say(text, isError = false) {
  els.status.textContent = text;
  els.status.title = text;
  els.status.classList.toggle('error', isError);
}

function ensureLine(i) {
  while (note.lines.length <= i) note.lines.push({ strokes: [], text: '', edited: false });
}

/** Starts the recognizer: a worker when possible, else on the page. */
async function start() {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend') ?? 'auto';
  // The shipped character language model reads words, not just strokes (beam search).
  const options = { backend, lm: true, onProgress: showProgress };
  let onPage = null;
  try {
    // In a worker, so that reading never blocks the page.
    recognizer = await WorkerRecognizer.create({ ...options, worker: new URL('./worker.js', import.meta.url) });
  } catch (e) {
    console.warn('worker recognizer unavailable, running on the page:', e);
    onPage = e;
    recognizer = await Recognizer.create(options);
  }
  document.body.dataset.reader = onPage ? 'page' : 'worker';
  showBackend(recognizer.backend, recognizer.fallbackReason);
  if (onPage) {
    say('Ready, but reading runs on this page (the background reader could not start), so the app may pause while a page is read.', true);
  } else if (dirty.size === 0) {
    say('Ready. Write on a line; it is read when you pause.');
  }
  document.body.dataset.ready = 'true';
  return recognizer;
}

/** Loading progress in the status line (the model and the language model download first). */
function showProgress({ stage, loaded, total }) {
  if (recognizer) return;
  const mb = (n) => (n / 1e6).toFixed(1);
  const step = {
    start: 'Starting the reader…',
    compile: 'Preparing the reader…',
    engine: 'Loading the model into the reader…',
    warm: 'Warming up the reader…',
  }[stage];
  // Writing already works: what is written now is read once the reader is ready.
  const meanwhile = dirty.size || pad.lines.some((l) => l?.length) ? ' Your writing is read as soon as it is ready.' : '';
  if (step) {
    say(step + meanwhile);
    els.status.dataset.stage = stage;
    return;
  }
  const what = { model: 'the model', lm: 'the language model', wasm: 'the reader' }[stage];
  if (!what) return;
  const pct = total ? ` (${Math.round((100 * loaded) / total)}%)` : '';
  say(`Loading ${what}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''} MB${pct}…`);
  els.status.dataset.stage = stage;
}

/** An image error in words for the person who picked the file. */
function imageProblem(e, blob) {
  const type = blob?.type || 'unknown type';
  if (/cannot decode/.test(e.message)) {
    return `“${blob?.name ?? 'This file'}” is not an image this browser can open (${type}). Try a PNG, JPEG or WebP photo or screenshot.`;
  }
  if (/largest accepted side|pixels; at most/.test(e.message)) {
    return 'That image is too large to read here. Crop it to the text, or scale it down to at most 4096 × 4096 pixels.';
  }
  if (/text lines; at most/.test(e.message)) {
    return 'That image holds more lines than are read at once. Crop it to a part of the page and try again.';
  }
  return `Could not read the image: ${e.message}`;
}

/** The recognizer once it is loaded: what is written before then waits for it, never lost. */
let ready = null;

/** The reader's state in the user's words; how it runs is in the chip's title and Details. */
function showBackend(backend, reason) {
  els.backend.textContent = 'Reads on this device';
  const how = backend === 'webgpu' ? 'the graphics processor (WebGPU)' : 'the processor (WebAssembly SIMD)';
  els.backend.title = `Your writing is read here, on ${how}; nothing is sent anywhere.${reason ? ` ${reason}` : ''}`;
  els.backend.dataset.backend = backend;
}

async function recognizeDirty() {
  const lines = [...dirty].sort((a, b) => a - b);
  dirty.clear();
  for (const i of lines) await recognizeLine(i);
  await persist();
}

async function recognizeLine(i) {
  if (!recognizer) say('The reader is still loading; your writing is read as soon as it is ready…');
  try {
    await ready;
  } catch {
    return;
  }
  ensureLine(i);
  const row = note.lines[i];
  const strokes = pad.lines[i]?.length ?? 0;
  // A corrected line: only the ink written after the correction is read, then added to it.
  const added = userText(row) ? (row.kept ?? strokes) : 0;
  if (userText(row) && added >= strokes) {
    renderRows();
    return;
  }
  const img = pad.lineImage(i, added);
  if (!img) {
    if (!added) row.text = '';
    renderRows();
    return;
  }
  try {
    say(`Reading line ${i + 1}…`);
    reads += 1;
    document.body.dataset.reads = String(reads);
    const r = await recognizer.recognize(img.image);
    const text = r.lines.map((l) => l.text).join(' ');
    if (added) {
      row.text = text ? `${row.text} ${text}` : row.text;
      row.kept = strokes;
      renderRows();
      await persist();
      say(
        text
          ? `Line ${i + 1}: “${text}”, written after your correction, was added to it.`
          : `Line ${i + 1}: the writing added after your correction could not be read.`,
        !text,
      );
      return;
    }
    row.text = text;
    row.confidence = r.confidence;
    row.words = r.lines.flatMap((l) => l.words ?? []);
    row.ms = Math.round(r.timing.totalMs);
    row.backend = r.backend;
    row.edited = false;
    showBackend(r.backend, recognizer.fallbackReason);
    say(`Line ${i + 1} read.`);
  } catch (e) {
    say(`Line ${i + 1}: ${e.message}`, true);
  }
  renderRows();
}

function renderRows() {
  const count = Math.max(pad.lineCount, note.lines.length);
  els.rows.replaceChildren();
  for (let i = 0; i < count; i++) {
    const line = note.lines[i];
    const row = document.createElement('div');
    row.className = 'row';
    row.style.height = `${LINE_HEIGHT}px`;
    const input = document.createElement('input');
    input.id = `line-text-${i}`;
    input.value = line?.text ?? '';
    // What the row holds: a change event that brings nothing new (a replaced input losing
    // focus) is no correction.
    input.dataset.committed = input.value;
    input.setAttribute('aria-label', `Text of line ${i + 1}`);
    input.placeholder = line?.strokes?.length ? '…' : '';
    // A line with neither text nor ink (on a phone its field would stand in the pen's way).
    input.classList.toggle('empty', !input.value && !line?.strokes?.length);
    input.title = 'Your corrections are kept; clear the text to have the line read again';
    input.addEventListener('change', () => {
      if (input.value === input.dataset.committed) return;
      input.dataset.committed = input.value;
      ensureLine(i);
      const row = note.lines[i];
      row.text = input.value;
      row.edited = input.value !== '';
      // The ink so far is what the correction covers; ink written later is read and added.
      row.kept = pad.lines[i]?.length ?? 0;
      if (!row.edited) {
        delete row.kept;
        delete row.source;
        if (row.strokes?.length) {
          dirty.add(i);
          scheduleRead();
        }
      }
      persist();
    });
    // The words the model was unsure of are underlined until the user checks them (a whole
    // line read before words had confidences: the line).
    const read = !line?.edited && line?.source !== 'image';
    const marks = read ? wordMarks(input.value, line?.words) : null;
    const unsure = marks ? marks.unsure > 0 : read && (line?.confidence ?? 1) < UNSURE;
    input.classList.toggle('unsure', unsure && !marks);
    if (unsure) {
      input.title = marks
        ? 'Not sure of the underlined words: check them, and correct them if needed'
        : 'Not sure of this reading: check it, and correct it if needed';
    }
    const field = document.createElement('span');
    field.className = 'field';
    field.append(input);
    if (marks?.unsure) field.append(marks.el);
    const meta = document.createElement('small');
    meta.className = 'meta';
    const what = line?.edited ? 'corrected' : line?.source === 'image' ? 'from an image' : unsure ? 'check this' : '';
    // Timings are for the curious: shown with Details.
    const details = line?.ms !== undefined ? `${line.ms} ms on ${line.backend}, confidence ${(100 * (line.confidence ?? 0)).toFixed(0)}%` : '';
    meta.append(what);
    if (details) {
      const d = document.createElement('span');
      d.className = 'detail';
      d.textContent = `${what ? ' · ' : ''}${details}`;
      meta.append(d);
    }
    row.append(field, meta);
    els.rows.append(row);
  }
}

/**
 * The underlines of a line's unsure words: a copy of `text` laid over its field, transparent
 * but for a wavy underline under each word read with less confidence than UNSURE. Null when
 * the words do not match the text (a line saved before words had confidences).
 */
function wordMarks(text, words) {
  const parts = text.split(/(\s+)/).filter(Boolean);
  if (!Array.isArray(words) || parts.filter((p) => !/^\s/.test(p)).length !== words.length) return null;
  const el = document.createElement('span');
  el.className = 'marks';
  el.setAttribute('aria-hidden', 'true');
  let k = 0;
  let unsure = 0;
  for (const part of parts) {
    if (/^\s/.test(part)) {
      el.append(part);
      continue;
    }
    const w = document.createElement('span');
    w.textContent = part;
    if (words[k].text === part && words[k].confidence < UNSURE) {
      w.className = 'unsure';
      unsure += 1;
    }
    k += 1;
    el.append(w);
  }
  return { el, unsure };
}

async function persist() {
  if (!note.lines.some((l) => l.text || l.strokes?.length) && !els.title.value) return;
  note.title = els.title.value.trim();
  await saveNote(note);
  await renderList();
}

async function renderList() {
  const notes = await listNotes();
  els.list.replaceChildren(
    ...notes.map((n) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.textContent = noteTitle(n);
      b.className = n.id === note.id ? 'current' : '';
      b.setAttribute('aria-current', n.id === note.id ? 'true' : 'false');
      b.addEventListener('click', () => openNote(n));
      const time = document.createElement('small');
      time.textContent = new Date(n.updated).toLocaleString();
      li.append(b, time);
      return li;
    }),
  );
}

function openNote(n) {
  clearTimeout(timer);
  imported.hide();
  dirty.clear();
  note = n;
  els.title.value = n.title ?? '';
  pad.load(n.lines.map((l) => l.strokes ?? []));
  // Ink saved before it was read (the page closed first) is read now.
  n.lines.forEach((l, i) => l.strokes?.length && !l.text && dirty.add(i));
  if (dirty.size) scheduleRead();
  renderRows();
  renderList();
}

/** Reads an uploaded or pasted image line by line and appends the lines to the note. */
async function readImage(blob) {
  try {
    await ready;
  } catch {
    return;
  }
  say('Reading the image…');
  try {
    const r = await recognizer.recognize(blob);
    if (!r.lines.length) {
      say('No text found in the image.');
      return;
    }
    let at = note.lines.length;
    while (at > 0 && !note.lines[at - 1].text && !note.lines[at - 1].strokes?.length) at--;
    note.lines.splice(at);
    const ms = Math.round(r.timing.totalMs / r.lines.length);
    for (const l of r.lines) {
      note.lines.push({ strokes: [], kept: 0, text: l.text, confidence: l.confidence, ms, backend: r.backend, source: 'image' });
    }
    pad.load(note.lines.map((l) => l.strokes ?? []));
    renderRows();
    await imported.show(blob, r.lines, at).catch((e) => console.warn('cannot show the image:', e));
    await persist();
    say(r.lines.length === 1 ? 'Read one line from the image.' : `Read ${r.lines.length} lines from the image.`);
  } catch (e) {
    say(imageProblem(e, blob), true);
  }
}

/** The imported image with its lines drawn over it: picking one focuses its text. */
const imported = new Imported($('imported'), (line) => {
  const input = $(`line-text-${line}`);
  input?.scrollIntoView({ block: 'nearest' });
  input?.focus();
});

/** On a phone the notes sit behind the menu button; opening one closes the menu. */
function showMenu(open) {
  document.body.classList.toggle('menu-open', open);
  $('menu').setAttribute('aria-expanded', String(open));
}
$('menu').addEventListener('click', () => showMenu(!document.body.classList.contains('menu-open')));
els.list.addEventListener('click', (e) => e.target.closest('button') && showMenu(false));
$('new-note').addEventListener('click', () => {
  showMenu(false);
  openNote(newNote());
});
$('details').addEventListener('click', () => {
  const on = document.body.classList.toggle('details');
  $('details').setAttribute('aria-pressed', String(on));
});
$('recognize').addEventListener('click', () => {
  pad.lines.forEach((l, i) => l?.length && dirty.add(i));
  recognizeDirty();
});
$('clear').addEventListener('click', () => {
  pad.clear();
  note.lines = note.lines.filter((l) => !l.strokes?.length);
  renderRows();
  persist();
});
$('export').addEventListener('click', () => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([noteText(note) + '\n'], { type: 'text/plain' }));
  a.download = `${noteTitle(note).replace(/[^\w -]+/g, '').trim() || 'note'}.txt`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
$('delete').addEventListener('click', async () => {
  if (!confirm(`Delete “${noteTitle(note)}”?`)) return;
  await deleteNote(note.id);
  openNote(newNote());
});
els.title.addEventListener('change', persist);
els.file.addEventListener('change', () => {
  const f = els.file.files?.[0];
  if (f) readImage(f);
  els.file.value = '';
});
document.addEventListener('paste', (e) => {
  const item = [...(e.clipboardData?.items ?? [])].find((i) => i.type.startsWith('image/'));
  if (item) {
    e.preventDefault();
    readImage(item.getAsFile());
  }
});

async function offlineReadiness() {
  if (!('serviceWorker' in navigator)) {
    els.offline.textContent = 'No offline support';
    return;
  }
  try {
    await navigator.serviceWorker.register('./sw.js');
    const reg = await navigator.serviceWorker.ready;
    const update = (msg) => {
      els.offline.textContent = msg.ready ? 'Works offline' : 'Caching for offline…';
      els.offline.dataset.ready = String(!!msg.ready);
    };
    navigator.serviceWorker.addEventListener('message', (e) => e.data?.type === 'cache' && update(e.data));
    reg.active?.postMessage({ type: 'status' });
  } catch (e) {
    els.offline.textContent = 'Offline unavailable';
    console.warn('service worker:', e);
  }
}

renderRows();
renderList();
// A reload opens the note last worked on (its stashed ink too, if the page closed before
// IndexedDB had it).
listNotes().then(async (notes) => {
  const last = stashed(notes);
  if (last) await saveNote(last);
  const open = last ?? notes[0];
  if (open && note.lines.length === 0) openNote(open);
});
offlineReadiness();
ready = start();
ready.catch((e) => say(`Cannot start the recognizer: ${e.message}`, true));
