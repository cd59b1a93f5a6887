// Generates Outpost's app icons as PNG (and favicon.ico) with no dependencies: shapes are
// rasterised with 4×4 supersampling and written with node:zlib.
//
//   node static/icons/make-icons.mjs
//
// The mark: a navy rounded square, a sky-blue ring (the "O"), an amber beacon in its centre and
// one signal arc to the upper right. Maskable variants keep everything inside the 80 % safe zone.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = path.dirname(here);

const NAVY_TOP = [0x17, 0x25, 0x44];
const NAVY_BOTTOM = [0x0b, 0x11, 0x20];
const SKY = [0x38, 0xbd, 0xf8];
// The self-service portal installs as its own app: same mark on a deep teal square.
const TEAL_TOP = [0x11, 0x4e, 0x4a];
const TEAL_BOTTOM = [0x06, 0x2a, 0x28];
const AMBER = [0xfb, 0xbf, 0x24];
const CX = 244;
const CY = 268;

/** Signed-distance-free inside tests, in a 512-unit design space. */
function roundedRect(x, y, size, r) {
  const cx = Math.min(Math.max(x, r), size - r);
  const cy = Math.min(Math.max(y, r), size - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= 0 && y >= 0 && x <= size && y <= size;
}

function markLayers(x, y) {
  // Coordinates relative to the mark centre, in design units (mark fits a 512 box).
  // The arc makes the mark top-right heavy, so the ring sits slightly left of and below centre.
  const dx = x - CX;
  const dy = y - CY;
  const d = Math.hypot(dx, dy);
  const angle = (Math.atan2(dy, dx) * 180) / Math.PI; // -180..180, 0 = east, -90 = north
  const layers = [];
  if (d >= 102 && d <= 150) layers.push(SKY);
  if (d <= 42) layers.push(AMBER);
  // Signal arc, upper right, with rounded ends.
  const arcMid = 206;
  const arcHalf = 13;
  const from = -72;
  const to = -18;
  if (Math.abs(d - arcMid) <= arcHalf && angle >= from && angle <= to) layers.push(SKY);
  for (const a of [from, to]) {
    const ex = CX + arcMid * Math.cos((a * Math.PI) / 180);
    const ey = CY + arcMid * Math.sin((a * Math.PI) / 180);
    if (Math.hypot(x - ex, y - ey) <= arcHalf) layers.push(SKY);
  }
  return layers;
}

/**
 * @param {number} size output pixels
 * @param {{ maskable?: boolean, opaque?: boolean, portal?: boolean }} opts
 */
function render(size, opts = {}) {
  const S = 4;
  const px = new Uint8Array(size * size * 4);
  const unit = 512 / size;
  const radius = opts.maskable || opts.opaque ? 0 : 112;
  const scale = opts.maskable ? 0.78 : 1; // content shrinks into the maskable safe zone
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sj = 0; sj < S; sj++) {
        for (let si = 0; si < S; si++) {
          const x = (i + (si + 0.5) / S) * unit;
          const y = (j + (sj + 0.5) / S) * unit;
          if (radius && !roundedRect(x, y, 512, radius)) continue;
          const t = y / 512;
          const [top, bottom] = opts.portal ? [TEAL_TOP, TEAL_BOTTOM] : [NAVY_TOP, NAVY_BOTTOM];
          let c = top.map((v, k) => v + (bottom[k] - v) * t);
          const mx = 256 + (x - 256) / scale;
          const my = 256 + (y - 256) / scale;
          const layers = markLayers(mx, my);
          if (layers.length) c = layers[layers.length - 1];
          r += c[0]; g += c[1]; b += c[2]; a += 255;
        }
      }
      const n = S * S;
      const o = (j * size + i) * 4;
      // Straight (non-premultiplied) alpha: average colour over the covered samples only.
      const covered = a / 255;
      px[o] = covered ? Math.round(r / covered) : 0;
      px[o + 1] = covered ? Math.round(g / covered) : 0;
      px[o + 2] = covered ? Math.round(b / covered) : 0;
      px[o + 3] = Math.round(a / n);
    }
  }
  return encodePng(size, size, px);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function encodePng(w, h, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * w * 4, w * 4).copy(raw, y * (w * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ]);
}

/** ICO container holding PNG images (supported by every current browser). */
function encodeIco(images) {
  const header = Buffer.alloc(6 + images.length * 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + i * 16;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bpp
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

const outputs = {
  'icons/icon-192.png': render(192),
  'icons/icon-512.png': render(512),
  'icons/icon-maskable-512.png': render(512, { maskable: true }),
  'icons/apple-touch-icon-180.png': render(180, { opaque: true }),
  'icons/portal-192.png': render(192, { portal: true }),
  'icons/portal-512.png': render(512, { portal: true }),
  'icons/portal-maskable-512.png': render(512, { maskable: true, portal: true }),
  'favicon.ico': encodeIco([16, 32, 48].map((size) => ({ size, png: render(size) })))
};
for (const [file, data] of Object.entries(outputs)) {
  fs.writeFileSync(path.join(staticDir, file), data);
  console.log(`${file}  ${data.length} bytes`);
}
