// The last imported image, shown above the sheet with the lines found in it drawn over it (each
// line's quadrilateral, turned with a tilted page, and its number): picking a line focuses its
// text so that it can be corrected. Shown until closed or another note is opened; not stored.

/** Largest height (CSS px) the image is shown at. */
const MAX_HEIGHT = 360;

export class Imported {
  /**
   * @param {HTMLElement} figure the element to show the image in (hidden while empty)
   * @param {(line: number) => void} onPick called with the index of a line picked in the image
   */
  constructor(figure, onPick) {
    this.figure = figure;
    this.onPick = onPick;
    this.canvas = figure.querySelector('canvas');
    this.lines = [];
    this.canvas.addEventListener('click', (e) => this.#pick(e));
    figure.querySelector('button').addEventListener('click', () => this.hide());
  }

  /** Shows `blob` with `lines` (`{ quad }` in the image's pixels) numbered from `first`. */
  async show(blob, lines, first) {
    const bitmap = await createImageBitmap(blob);
    try {
      this.figure.hidden = false;
      const width = Math.max(1, this.figure.clientWidth - 2);
      const scale = Math.min(width / bitmap.width, MAX_HEIGHT / bitmap.height, 1);
      const dpr = globalThis.devicePixelRatio || 1;
      const [w, h] = [Math.round(bitmap.width * scale), Math.round(bitmap.height * scale)];
      Object.assign(this.canvas, { width: Math.round(w * dpr), height: Math.round(h * dpr) });
      Object.assign(this.canvas.style, { width: `${w}px`, height: `${h}px` });
      const ctx = this.canvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.drawImage(bitmap, 0, 0, w, h);
      this.scale = scale;
      this.lines = lines.map((l, i) => ({ quad: l.quad.map(([x, y]) => [x * scale, y * scale]), line: first + i }));
      ctx.lineWidth = 2;
      ctx.font = 'bold 13px system-ui, sans-serif';
      for (const { quad, line } of this.lines) {
        ctx.strokeStyle = 'rgba(31, 78, 140, 0.9)';
        ctx.fillStyle = 'rgba(31, 78, 140, 0.12)';
        ctx.beginPath();
        quad.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
        ctx.fillStyle = 'rgba(31, 78, 140, 1)';
        ctx.fillText(String(line + 1), quad[0][0] + 3, quad[0][1] + 14);
      }
      this.figure.dataset.lines = String(this.lines.length);
      // Where each line was drawn (CSS px of the canvas), for tests and tools.
      this.figure.dataset.quads = JSON.stringify(this.lines.map(({ quad }) => quad.map((p) => p.map(Math.round))));
    } finally {
      bitmap.close?.();
    }
  }

  hide() {
    this.figure.hidden = true;
    this.lines = [];
    delete this.figure.dataset.lines;
    delete this.figure.dataset.quads;
  }

  /** The line whose quadrilateral holds the click, if any. */
  #pick(e) {
    const r = this.canvas.getBoundingClientRect();
    const p = [e.clientX - r.left, e.clientY - r.top];
    const hit = this.lines.find(({ quad }) => inside(p, quad));
    if (hit) this.onPick(hit.line);
  }
}

/** Whether point `p` lies inside the convex quadrilateral `quad` (corners in order). */
function inside([px, py], quad) {
  let sign = 0;
  for (let k = 0; k < 4; k++) {
    const [ax, ay] = quad[k];
    const [bx, by] = quad[(k + 1) % 4];
    const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    if (cross !== 0) {
      if (sign && Math.sign(cross) !== sign) return false;
      sign = Math.sign(cross);
    }
  }
  return true;
}
