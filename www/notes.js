// Notes in IndexedDB: { id, title, updated, lines: [{ strokes, text, edited, timing, backend }] }.

const DB = 'inkline-notes';
const STORE = 'notes';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req?.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error('transaction aborted'));
    });
  } finally {
    db.close();
  }
}

/** A new, empty note (not saved yet). */
export function newNote() {
  return { id: crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`, title: '', updated: Date.now(), lines: [] };
}

/** Every note, most recently changed first. */
export async function listNotes() {
  const all = (await tx('readonly', (s) => s.getAll())) ?? [];
  return all.sort((a, b) => b.updated - a.updated);
}

/** Saves (inserts or replaces) a note. */
export function saveNote(note) {
  note.updated = Date.now();
  return tx('readwrite', (s) => s.put(note));
}

/** Deletes a note by id. */
export function deleteNote(id) {
  return tx('readwrite', (s) => s.delete(id));
}

/** The note's text: one line per written or uploaded line. */
export function noteText(note) {
  return note.lines
    .map((l) => l.text ?? '')
    .join('\n')
    .replace(/\n+$/, '');
}

/** A title from the first line of text. */
export function noteTitle(note) {
  const first = note.lines.map((l) => l.text).find((t) => t && t.trim());
  return note.title || (first ? first.trim().slice(0, 40) : 'Untitled note');
}
