// bench/lolhtml/run.cjs: Cloudflare's lol-html (npm html-rewriter-wasm, the
// WebAssembly build of the HTMLRewriter behind Workers) making the same edits
// as consentgate's rewriter over each corpus page, for the comparison table
// of bench/run.sh:
//   - the guard <script> inserted right after the <head> start tag,
//   - <script src>, <img src> and <iframe src> of a tracker host held back
//     (type="text/plain", data-consent, data-consent-src instead of src),
//   - the banner markup inserted before </body>.
// Each page is written in 32 KiB chunks, as a proxy receives it.
//
//   node run.cjs NODE_MODULES_DIR CORPUS_DIR [MS_PER_PAGE] [ROUNDS]
//
// Prints one line per page and round: page, bytes, MB/s (wall), cpu-MB/s
// (process CPU time: wasm runs on this one thread), and a check line with the
// number of elements held back over the corpus.
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, corpus, msArg, roundsArg] = process.argv.slice(2);
const { HTMLRewriter } = require(path.join(modules, 'html-rewriter-wasm'));
const msPerPage = Number(msArg || 200);
const rounds = Number(roundsArg || 3);

// The same hosts and markup as the Go benchmark (caddymodule/htmlrewrite/bench_test.go).
const hosts = ['www.google-analytics.com', '*.google-analytics.com', 'www.googletagmanager.com',
  'connect.facebook.net', '*.doubleclick.net', '*.scorecardresearch.com', '*.quantserve.com',
  'platform.twitter.com'];
const head = '<script src="/_consent/guard.js?v=0123456789abcdef"></script>';
const bodyEnd = '<link rel="stylesheet" href="/_consent/banner.css?v=0123456789abcdef"><div id="consentgate-banner" hidden></div><script defer src="/_consent/banner.js?v=0123456789abcdef"></script>';

function hostOf(src) {
  const i = src.indexOf('//');
  if (i < 0 || /[/?#]/.test(src.slice(0, i))) return '';
  let s = src.slice(i + 2);
  const j = s.search(/[/?#:]/);
  if (j >= 0) s = s.slice(0, j);
  return s.toLowerCase();
}

function blocked(src) {
  const h = hostOf(src);
  if (!h) return false;
  return hosts.some((p) => (p.startsWith('*') ? h.endsWith(p.slice(1)) : h === p));
}

let held = 0;
async function rewrite(page) {
  let out = 0;
  const rw = new HTMLRewriter((chunk) => { out += chunk.length; });
  rw.on('head', { element(e) { e.prepend(head, { html: true }); } });
  rw.on('script[src], img[src], iframe[src]', {
    element(e) {
      const src = e.getAttribute('src');
      if (!blocked(src)) return;
      held++;
      if (e.tagName === 'script') {
        const type = e.getAttribute('type');
        if (type !== null) e.setAttribute('data-consent-type', type);
        e.setAttribute('type', 'text/plain');
      }
      e.setAttribute('data-consent', 'marketing');
      e.setAttribute('data-consent-src', src);
      e.removeAttribute('src');
    },
  });
  rw.on('body', { element(e) { e.append(bodyEnd, { html: true }); } });
  try {
    for (let i = 0; i < page.length; i += 32 << 10) {
      await rw.write(page.subarray(i, Math.min(i + (32 << 10), page.length)));
    }
    await rw.end();
  } finally {
    rw.free();
  }
  return out;
}

function pagesOf(dir) {
  const out = [];
  for (const sub of fs.readdirSync(dir).sort()) {
    const d = path.join(dir, sub);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) {
      if (f.endsWith('.html')) out.push(path.join(sub, f));
    }
  }
  return out;
}

async function main() {
  const names = pagesOf(corpus);
  const pages = names.map((n) => new Uint8Array(fs.readFileSync(path.join(corpus, n))));
  for (const p of pages) await rewrite(p); // warm up, and count the held elements once
  console.log(`check\theld=${held}`);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const page = pages[i];
      let n = 0;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let elapsed = 0;
      do {
        await rewrite(page);
        n++;
        elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      } while (elapsed * 1000 < msPerPage);
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1e6;
      const mb = (page.length * n) / 1e6;
      console.log(`${names[i]}\t${page.length}\t${(mb / elapsed).toFixed(1)}\t${(mb / cpu).toFixed(1)}`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
