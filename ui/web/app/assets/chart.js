// A small time-series line chart drawn on <canvas> (no library, no CDN):
// a few series over a shared time axis, y from 0, grid with labels, and a
// legend that shows each series' latest value. Redrawn whole on update;
// with at most a few thousand points that costs well under a millisecond.

import { h } from './dom.js';

const COLORS = ['#2f7ed8', '#d9534f', '#5cb85c', '#f0ad4e', '#8e44ad', '#16a085'];

export class TimeChart {
  // opts: {title, height, format(v) -> text, spanMs (fixed x span ending now, optional)}
  constructor(opts = {}) {
    this.opts = { height: 180, format: (v) => String(Math.round(v * 100) / 100), ...opts };
    this.series = [];
    this.canvas = h('canvas', { class: 'chart-canvas', height: this.opts.height });
    this.legend = h('div', { class: 'chart-legend' });
    this.el = h('figure', { class: 'chart' },
      this.opts.title ? h('figcaption', null, this.opts.title) : null, this.canvas, this.legend);
    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(this.canvas);
  }

  // series: [{label, points: [[t_ms, value], ...], color?}]
  set(series) {
    this.series = series;
    this.draw();
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  draw() {
    const c = this.canvas;
    const width = c.clientWidth || 400;
    const height = this.opts.height;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(width * dpr)) c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.height = height + 'px';
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);

    const padL = 52, padR = 10, padT = 8, padB = 22;
    const plotW = Math.max(10, width - padL - padR);
    const plotH = Math.max(10, height - padT - padB);

    let tMin = Infinity, tMax = -Infinity, vMax = 0;
    for (const s of this.series) {
      for (const [t, v] of s.points || []) {
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
        if (v > vMax) vMax = v;
      }
    }
    if (this.opts.spanMs) {
      tMax = Math.max(Number.isFinite(tMax) ? tMax : 0, Date.now());
      tMin = tMax - this.opts.spanMs;
    }
    const empty = !Number.isFinite(tMin) || tMax <= tMin;
    const style = getComputedStyle(document.body);
    const fg = style.getPropertyValue('--muted').trim() || '#888';
    const grid = style.getPropertyValue('--grid').trim() || '#eee';
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = fg;
    g.strokeStyle = grid;
    g.lineWidth = 1;

    const yTop = 4 * niceCeil((vMax || 1) / 4);
    for (let i = 0; i <= 4; i++) {
      const y = padT + plotH - (plotH * i) / 4;
      g.beginPath();
      g.moveTo(padL, Math.round(y) + 0.5);
      g.lineTo(padL + plotW, Math.round(y) + 0.5);
      g.stroke();
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(this.opts.tick ? this.opts.tick((yTop * i) / 4) : tickText((yTop * i) / 4, yTop / 4), padL - 6, y);
    }
    if (empty) {
      g.textAlign = 'center';
      g.fillText('no data yet', padL + plotW / 2, padT + plotH / 2);
    } else {
      g.textAlign = 'center';
      g.textBaseline = 'top';
      const ticks = 5;
      for (let i = 0; i <= ticks; i++) {
        const t = tMin + ((tMax - tMin) * i) / ticks;
        const x = padL + (plotW * i) / ticks;
        g.fillText(clock(t, tMax - tMin), Math.min(Math.max(x, padL + 16), padL + plotW - 16), padT + plotH + 5);
      }
      this.series.forEach((s, idx) => {
        const pts = s.points || [];
        if (!pts.length) return;
        g.strokeStyle = s.color || COLORS[idx % COLORS.length];
        g.lineWidth = 1.5;
        g.beginPath();
        pts.forEach(([t, v], i) => {
          const x = padL + ((t - tMin) / (tMax - tMin)) * plotW;
          const y = padT + plotH - (Math.min(v, yTop) / yTop) * plotH;
          if (i === 0) g.moveTo(x, y);
          else g.lineTo(x, y);
        });
        g.stroke();
        // A series of one or two points draws no visible line: mark them.
        if (pts.length <= 2) {
          g.fillStyle = g.strokeStyle;
          for (const [t, v] of pts) {
            const x = padL + ((t - tMin) / (tMax - tMin)) * plotW;
            const y = padT + plotH - (Math.min(v, yTop) / yTop) * plotH;
            g.beginPath();
            g.arc(x, y, 2.5, 0, 2 * Math.PI);
            g.fill();
          }
        }
      });
    }

    this.legend.replaceChildren(...this.series.map((s, idx) => {
      const last = s.points && s.points.length ? s.points[s.points.length - 1][1] : null;
      return h('span', { class: 'legend-item' },
        h('i', { style: `background:${s.color || COLORS[idx % COLORS.length]}` }),
        `${s.label}: `, h('b', null, last === null ? '–' : this.opts.format(last)));
    }));
  }
}

// A tick value with just the decimals its step needs (0.25 -> 2, 5 -> 0).
function tickText(v, step) {
  let d = 0;
  while (d < 4 && Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) > 1e-9) d++;
  return v.toFixed(d);
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function clock(t, span) {
  const d = new Date(t);
  const pad = (x) => String(x).padStart(2, '0');
  return span > 2 * 3600e3 ? `${pad(d.getHours())}:${pad(d.getMinutes())}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
