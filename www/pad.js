// The writing pad: a canvas with ruled lines that records pen, touch and mouse strokes (pointer
// events, with pressure), assigns each stroke to the ruled line it was written on, and renders
// one line's ink as an image for recognition.

/** Height of one ruled line, in CSS pixels. */
export const LINE_HEIGHT = 72;

export class Pad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange: (line: number) => void, lines?: number }} options
   */
  constructor(canvas, { onChange, lines = 8 }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.onChange = onChange;
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
    this.lineCount = Math.max(this.lineCount, this.lines.length + 2);
    this.resize();
  }

  /** Removes the ink of one line (or of every line). */
  clear(line) {
    if (line === undefined) this.lines = [];
    else this.lines[line] = [];
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
    for (let i = 1; i <= this.lineCount; i++) {
      const y = i * LINE_HEIGHT - 12.5;
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
    this.current = { id: e.pointerId, points: [this.#point(e)], ink };
    e.preventDefault();
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
    const stroke = this.current.points;
    this.current = null;
    const ys = stroke.map((p) => p[1]);
    const mid = (Math.min(...ys) + Math.max(...ys)) / 2;
    const line = Math.max(0, Math.floor(mid / LINE_HEIGHT));
    while (this.lines.length <= line) this.lines.push([]);
    this.lines[line].push(stroke);
    if (line >= this.lineCount - 2) {
      this.lineCount = line + 3;
      this.resize();
    }
    this.onChange(line);
  }

  /**
   * The ink of `line` as black on white ImageData, cropped around the ink with a margin, at
   * device resolution; null for an empty line or one of specks only (taps, stray dots).
   */
  lineImage(line) {
    const strokes = this.lines[line] ?? [];
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
    for (const s of strokes) drawStroke(ctx, s, '#000');
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

/** Draws one stroke with round caps; width follows pen pressure. */
function drawStroke(ctx, stroke, color) {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  if (stroke.length === 1) {
    const [x, y, p] = stroke[0];
    ctx.beginPath();
    ctx.arc(x, y, 1 + 2 * p, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  for (let i = 1; i < stroke.length; i++) {
    const [x0, y0] = stroke[i - 1];
    const [x1, y1, p] = stroke[i];
    ctx.lineWidth = 1.5 + 3 * p;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }
}
