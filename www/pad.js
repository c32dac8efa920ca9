// The writing pad: a canvas with ruled lines that records pen, touch and mouse strokes (pointer
// events, with pressure), assigns each stroke to the ruled line it was written on, and renders
// one line's ink as an image for recognition.

/** Height of one ruled line, in CSS pixels. */
export const LINE_HEIGHT = 72;
/** Where a line's rule lies below the line's top (CSS pixels): its words sit on it. */
const RULE = LINE_HEIGHT - 12.5;
/** A stroke begun within this long (ms) after the last one ended continues its line... */
const FOLLOW_MS = 1500;
/** ...when it starts above that line's rule plus this (a descender, a cross-stroke, a dot). */
const DESCENDER = 14;

/**
 * The ruled line a stroke was written on: the line whose writing band (from its top to its
 * rule) holds most of the stroke's points, so that a descender reaching into the next line
 * stays with its word. A stroke begun right after strokes of line `last.line` (within
 * FOLLOW_MS) and starting within that line (from its top to its rule, give or take
 * DESCENDER) belongs to it as well; one that starts lower begins a new line, one that starts
 * higher goes back to an earlier line.
 */
export function lineOf(stroke, last = null, now = 0) {
  const ys = stroke.map((p) => p[1]);
  const top = Math.min(...ys);
  const lineTop = last ? last.line * LINE_HEIGHT : 0;
  if (last && now - last.at < FOLLOW_MS && top > lineTop - DESCENDER && top < lineTop + RULE + DESCENDER) {
    return last.line;
  }
  const votes = new Map();
  for (const y of ys) {
    const line = Math.max(0, Math.floor((y - RULE) / LINE_HEIGHT) + 1);
    // Points below a rule but close to it are descenders of the line above.
    const below = y - (line - 1) * LINE_HEIGHT - RULE;
    const owner = line > 0 && below < DESCENDER ? line - 1 : line;
    votes.set(owner, (votes.get(owner) ?? 0) + 1);
  }
  let best = 0;
  let most = -1;
  for (const [line, n] of votes) if (n > most || (n === most && line < best)) [best, most] = [line, n];
  return best;
}

export class Pad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange: (line: number) => void, onPenDown?: () => void, lines?: number }} options
   *   `onChange` after each stroke (pen up) with its line, `onPenDown` as a stroke begins.
   */
  constructor(canvas, { onChange, onPenDown = () => {}, lines = 8 }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.onChange = onChange;
    this.onPenDown = onPenDown;
    /** The line and time (ms) of the last stroke, for the next one's line. */
    this.last = null;
    this.lineCount = lines;
    /** Strokes per ruled line: each stroke is [[x, y, pressure], ...] in CSS pixels. */
    this.lines = [];
    this.current = null;
    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  /** Replaces the pad's content with saved strokes (one array of strokes per line). */
  load(lines) {
    this.lines = lines.map((l) => l.map((s) => s.map((p) => [...p])));
    this.last = null;
    this.lineCount = Math.max(this.lineCount, this.lines.length + 2);
    this.resize();
  }

  /** Removes the ink of one line (or of every line). */
  clear(line) {
    if (line === undefined) this.lines = [];
    else this.lines[line] = [];
    this.last = null;
    this.redraw();
  }

  resize() {
    const dpr = globalThis.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || 600;
    const height = this.lineCount * LINE_HEIGHT;
    this.canvas.style.height = `${height}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.redraw();
  }

  redraw() {
    const { ctx } = this;
    const w = this.canvas.width;
    const h = this.canvas.height;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.restore();
    ctx.strokeStyle = getComputedStyle(this.canvas).getPropertyValue('--rule') || '#c9d6e8';
    ctx.lineWidth = 1;
    for (let i = 0; i < this.lineCount; i++) {
      const y = i * LINE_HEIGHT + RULE;
      ctx.beginPath();
      ctx.moveTo(0, y);
      ctx.lineTo(this.canvas.clientWidth, y);
      ctx.stroke();
    }
    const ink = getComputedStyle(this.canvas).getPropertyValue('--ink') || '#1a2a4a';
    for (const line of this.lines) for (const s of line ?? []) drawStroke(ctx, s, ink);
  }

  #point(e) {
    const r = this.canvas.getBoundingClientRect();
    const p = e.pressure > 0 && e.pointerType === 'pen' ? e.pressure : 0.5;
    return [e.clientX - r.left, e.clientY - r.top, Math.round(p * 100) / 100];
  }

  #down(e) {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    this.canvas.setPointerCapture(e.pointerId);
    const ink = getComputedStyle(this.canvas).getPropertyValue('--ink') || '#1a2a4a';
    this.current = { id: e.pointerId, points: [this.#point(e)], ink, at: e.timeStamp };
    e.preventDefault();
    this.onPenDown();
  }

  #move(e) {
    if (!this.current || this.current.id !== e.pointerId) return;
    const events = e.getCoalescedEvents?.() ?? [e];
    const pts = this.current.points;
    for (const ev of events.length ? events : [e]) pts.push(this.#point(ev));
    drawStroke(this.ctx, pts.slice(-events.length - 1), this.current.ink);
    e.preventDefault();
  }

  #up(e) {
    if (!this.current || this.current.id !== e.pointerId) return;
    const { points: stroke, at } = this.current;
    this.current = null;
    const line = lineOf(stroke, this.last, at);
    this.last = { line, at: e.timeStamp };
    while (this.lines.length <= line) this.lines.push([]);
    this.lines[line].push(stroke);
    if (line >= this.lineCount - 2) {
      this.lineCount = line + 3;
      this.resize();
    }
    this.onChange(line);
  }

  /**
   * The ink of `line` (its strokes from index `from` on) as black on white ImageData, cropped
   * around the ink with a margin; null for an empty line or one of specks only (taps, stray
   * dots).
   */
  lineImage(line, from = 0) {
    const strokes = (this.lines[line] ?? []).slice(from);
    // A line of specks only (a tap, a stray dot) holds no writing.
    if (strokes.every(isSpeck)) return null;
    const pts = strokes.flat();
    const pad = 12;
    const x0 = Math.max(0, Math.min(...pts.map((p) => p[0])) - pad);
    const x1 = Math.max(...pts.map((p) => p[0])) + pad;
    const y0 = Math.min(...pts.map((p) => p[1])) - pad;
    const y1 = Math.max(...pts.map((p) => p[1])) + pad;
    const w = Math.ceil(x1 - x0);
    const h = Math.ceil(y1 - y0);
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.translate(-x0, -y0);
    // The screen's pen width does not follow the size of the writing: small writing drawn
    // with it fills its letters' holes. Read it with a pen at most PEN_CAP bodies wide.
    const widest = Math.max(1, PEN_CAP * inkBody(strokes));
    for (const s of strokes) drawStroke(ctx, s, '#000', widest);
    return { image: ctx.getImageData(0, 0, w, h), top: line * LINE_HEIGHT };
  }
}

/** Whether a stroke stays within a few pixels: a tap or a stray dot, not writing. */
function isSpeck(stroke) {
  const xs = stroke.map((p) => p[0]);
  const ys = stroke.map((p) => p[1]);
  return Math.max(...xs) - Math.min(...xs) < SPECK && Math.max(...ys) - Math.min(...ys) < SPECK;
}

/** Largest extent (px) of a speck. */
const SPECK = 6;

/**
 * Widest pen (in bodies of the writing) of a line drawn for reading: chosen on the real
 * validation writers' pad ink (`trainer synth --real --style strokes --split val --pen-cap`,
 * README "Real writers"): uncapped 19.2 % CER, 0.3: 19.0, 0.22: 18.3, 0.16: 17.5, 0.12: 17.9.
 */
export const PEN_CAP = 0.16;

/**
 * The height of the body of the writing (its x-height band, CSS px) in `strokes`: where the
 * ink's vertical profile (how many strokes pass each height) stays above 40 % of its peak, at
 * least a fifth of the ink's height. Like the trainer's `Ink::body_band`, but counting pen
 * travel up and down only, so that a flat stroke (an underline, a dash) weighs nothing.
 */
export function inkBody(strokes) {
  const ys = strokes.flat().map((p) => p[1]);
  if (ys.length === 0) return 0;
  const lo = Math.min(...ys);
  const h = Math.max(...ys) - lo;
  if (h <= 0) return 1;
  const BINS = 60;
  const bin = (y) => ((y - lo) / h) * BINS;
  const profile = new Float64Array(BINS);
  for (const s of strokes) {
    for (let i = 1; i < s.length; i++) {
      const a = bin(Math.min(s[i - 1][1], s[i][1]));
      const b = bin(Math.max(s[i - 1][1], s[i][1]));
      for (let j = Math.floor(a); j < Math.min(BINS, Math.ceil(b)); j++) {
        profile[j] += Math.min(b, j + 1) - Math.max(a, j);
      }
    }
  }
  const smooth = Array.from(profile, (_, i) => {
    const a = Math.max(0, i - 1);
    const b = Math.min(BINS - 1, i + 1);
    let sum = 0;
    for (let j = a; j <= b; j++) sum += profile[j];
    return sum / (b - a + 1);
  });
  let peak = 0;
  for (let i = 1; i < BINS; i++) if (smooth[i] > smooth[peak]) peak = i;
  let [top, bot] = [peak, peak];
  while (top > 0 && smooth[top - 1] >= 0.4 * smooth[peak]) top--;
  while (bot + 1 < BINS && smooth[bot + 1] >= 0.4 * smooth[peak]) bot++;
  return Math.max(((bot + 1 - top) * h) / BINS, 0.2 * h);
}

/** Draws one stroke with round caps; width follows pen pressure, at most `widest` px. */
function drawStroke(ctx, stroke, color, widest = Infinity) {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  if (stroke.length === 1) {
    const [x, y, p] = stroke[0];
    ctx.beginPath();
    ctx.arc(x, y, Math.min(1 + 2 * p, widest / 2), 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  for (let i = 1; i < stroke.length; i++) {
    const [x0, y0] = stroke[i - 1];
    const [x1, y1, p] = stroke[i];
    ctx.lineWidth = Math.min(1.5 + 3 * p, widest);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }
}
