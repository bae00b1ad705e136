// consentgate guard: the first script of every page (a classic script right
// after <head>). The server writes the policy's rules before this code as the
// constant R:
//   R.k, R.c, R.s, R.n  cookie names and storage keys, each as
//             {e: {category: "name;name"}, p: [[regexp, category]]}, the
//             patterns in the order the server tries them (longest literal
//             first): the consent manager's own cookies (necessary), the
//             declared cookies (all types), the declared storage keys (type
//             html), and the known-cookie list, tried in that order
//   R.h       blocker hosts, "host" or "*.domain", and their category
//   R.i       inline-script markers and their category
//   R.b       undeclared: block     R.g  Google Consent Mode on
//   R.m       report mode: hold nothing back, report what would be
//   R.p       the path of the report endpoint
//   R.o, R.r  under source own: the consent cookie's name and the policy's
//             revision (R.o is empty under another source)
// The visitor's state comes from this script tag's data attributes:
// data-granted (category ids), data-given and data-gpc (1 or 0), data-lang.
// Style: ES2017, whole-line comments only (they are stripped when served).
if (!window.consentgate) {
	const W = window, D = document, DC = 'data-consent', XL = 'http://www.w3.org/1999/xlink';
	const me = D.currentScript || {}, ds = me.dataset || {}, gopd = Object.getOwnPropertyDescriptor;
	const G = new Set(['necessary'].concat((ds.granted || '').split(/[\s,]+/).filter(Boolean)));
	for (const m of [R.k, R.c, R.s, R.n]) {
		const x = new Map();
		for (const c in m.e) m.e[c].split(';').forEach(n => x.set(n, c));
		m.e = x;
		m.p = m.p.map(x => [new RegExp(x[0]), x[1]]);
	}
	const hosts = new Map(R.h);
	const look = (m, n) => m.e.get(n) || (m.p.find(x => x[0].test(n)) || [])[1];
	// A name's category: the consent manager's, the policy's, the known list's;
	// undefined when none knows it.
	const cat = (m, n) => look(R.k, n) || look(m, n) || look(R.n, n);
	// Undeclared (undefined) and unclassified names pass only with undeclared: allow.
	const ok = c => c === undefined || c == 'unclassified' ? !R.b : G.has(c);
	// The site's scripts see the natives they would see: a wrapper has the
	// native's name and length, Function.prototype.toString gives the
	// native's text (nat: wrapper to native), and a call the native would
	// refuse (too few arguments, a Symbol where it takes a string) goes to
	// the native, which throws as it should.
	const nat = new WeakMap(), dp = Object.defineProperty;
	const lk = (w, g) => (nat.set(w, g), ['name', 'length'].forEach(k => dp(w, k, {value: g[k], configurable: true})), w);
	const bad = (g, a) => a.length < g.length || a.some((x, i) => i < g.length && typeof x == 'symbol');

	// Reports: what the guard drops (in report mode: would drop) is counted
	// per kind and name and sent to the server in batches, from this page's
	// origin whatever its <base>: a batch 3 s after its first item, when it
	// holds 50 names, and when the page is left; at most 20 batches a page.
	// The console says it once per name.
	const CP = R.p.replace(/report$/, 'consent'), fetch0 = W.fetch, beacon = Navigator.prototype.sendBeacon, queue = new Map(), said = new Set();
	let batches = 0, timer = 0, hit;
	const flush = () => {
		clearTimeout(timer);
		timer = 0;
		if (!queue.size || batches++ >= 20 || location.origin == 'null') return;
		const u = location.origin + R.p, body = JSON.stringify({path: location.pathname, items: [...queue.values()]});
		queue.clear();
		try {
			beacon.call(navigator, u, body) || fetch0(u, {method: 'POST', body, keepalive: true, credentials: 'same-origin'});
		} catch (e) {}
	};
	// deny counts what enforce mode keeps out and says whether to keep it out.
	// A full batch (50 names) goes at once.
	const deny = (kind, name, c, x) => {
		const k = kind + ' ' + (name = String(name).slice(0, 200)) + (x && x.element ? ' ' + x.element : '');
		let it = queue.get(k);
		if (!it) {
			if (queue.size == 50) flush();
			queue.set(k, it = Object.assign({kind, name, category: c || '', count: 0}, x));
		}
		it.count++;
		if (!said.has(k) && said.size < 500) said.add(k), console.info('consentgate: ' + (R.m ? 'would drop ' : 'dropped ') + k + (c ? ' (' + c + ')' : ''));
		timer = timer || setTimeout(flush, 3000);
		return !R.m;
	};
	// drop: an element (or a request) of category c, from the host last matched.
	const drop = (c, what) => c && deny('element', hit, c, {element: what});
	addEventListener('pagehide', flush);
	addEventListener('visibilitychange', () => D.visibilityState == 'hidden' && flush());

	// Cookies. A write is split as browsers split it (the line ends at a NUL,
	// CR or LF; the name is what comes before the first "=", trimmed of
	// spaces and tabs only). Of a name that may not be written, a write that
	// deletes (Max-Age, the last valid one winning over Expires, at most 0;
	// or else an Expires in the past) becomes a plain deletion with the same
	// Path and Domain, so that no reading of the attributes can store
	// anything; any other write is dropped.
	// The consent cookie is written by the server alone (its Set-Cookie):
	// no script writes or deletes it (mine).
	// A write refused is kept in this page's memory instead (jar: name to
	// value, at most 50 of 4 KB), which document.cookie and cookieStore
	// read as if it were stored: it never reaches the browser's jar, the
	// network or another page.
	const cookieOK = n => !!n && ok(cat(R.c, n)), jar = new Map();
	const keep = (n, x) => (n || x) && (n + x).length < 4097 && (jar.has(n) || jar.size < 50) && jar.set(n, x);
	const mine = n => R.o && n == R.o && (deny('cookie', n, 'necessary'), 1);
	const cookieWrite = (set, doc, v) => {
		const l = (v = String(v)).split(/[\0\r\n]/)[0].split(';'), p = l.shift(), i = p.indexOf('='), n = i < 0 ? '' : p.slice(0, i).replace(/^[ \t]+|[ \t]+$/g, ''), a = {};
		if (mine(n)) return;
		if (cookieOK(n)) return jar.delete(n), set.call(doc, v);
		for (const s of l) {
			const j = s.indexOf('='), k = (j < 0 ? s : s.slice(0, j)).trim().toLowerCase(), x = j < 0 ? '' : s.slice(j + 1).trim();
			if (k != 'max-age' || /^-?\d+$/.test(x)) a[k] = x;
		}
		const age = 'max-age' in a ? +a['max-age'] : 'expires' in a ? (Date.parse(a.expires) - Date.now()) / 1e3 || 0 : -1;
		const del = ('max-age' in a || 'expires' in a) && age <= 0;
		if (del) jar.delete(n);
		if (del || !deny('cookie', n, cat(R.c, n), {max_age: Math.round(age)})) set.call(doc, del && !R.m ? p + ';max-age=0' + ['path', 'domain', 'secure', 'partitioned'].map(k => k in a ? ';' + k + '=' + a[k] : '').join('') : v);
		else keep(n, (i < 0 ? p : p.slice(i + 1)).replace(/^[ \t]+|[ \t]+$/g, ''));
	};

	// Storage keys follow the policy as cookies do: declared keys need their
	// category, undeclared ones pass only with undeclared: allow (a site that
	// keeps working state in storage declares those keys as necessary).
	const keyOK = k => {
		const c = cat(R.s, k);
		return ok(c) || !deny('storage', k, c);
	};
	// A storage object is seen through one proxy (sp) that checks its named
	// properties (localStorage.x = 1); the methods are the prototype's, which
	// find the storage behind it (real).
	const real = new WeakMap(), pr = new WeakMap();
	const sp = st => {
		if (!pr.has(st)) {
			const p = new Proxy(st, {
				get: (t, k) => Reflect.get(t, k),
				set: (t, k, v) => (typeof k == 'symbol' || keyOK(k) ? Reflect.set(t, k, v) : 1, true),
				defineProperty: (t, k, d) => typeof k == 'symbol' || keyOK(k) ? Reflect.defineProperty(t, k, d) : true
			});
			pr.set(st, p);
			real.set(p, st);
		}
		return pr.get(st);
	};

	// Blockers: the category of a URL's host, "*.domain" matching the domain
	// and every subdomain; false when nothing matches or the category is
	// granted. hit keeps the host for the report.
	const srcCat = (u, b, all) => {
		let h, c;
		try {
			u = new URL(u, b || D.baseURI);
			h = /^(http|ws)s?:$/.test(u.protocol) && u.hostname.replace(/\.$/, '');
		} catch (e) {}
		if (h) c = hosts.get(h);
		for (let d = h; d && !c; d = d.includes('.') && d.slice(d.indexOf('.') + 1)) c = hosts.get('*.' + d);
		return c && (all || !G.has(c)) && (hit = h, c);
	};
	// An inline script's markers: the first that matches decides, as on the server.
	const chr = h => String.fromCodePoint(Math.min(parseInt(h, 16) || 0, 0x10ffff));
	const inCat = t => {
		const x = R.i.find(x => t.includes(x[0]));
		return x && !G.has(x[1]) && (hit = 'inline', x[1]);
	};
	// A module's text (or an import map) names what it imports, which loads
	// with it, and speculation rules what the browser prefetches: the hosts
	// count as in a document's text. (Document rules added at run time,
	// which name no host, are not held: the server holds those in markup.)
	// The URLs are read after JS and JSON string escapes are undone
	// ("http:\/\/...", \xHH, \uHHHH, \u{H...}).
	const modCat = t => (t.replace(/\\(?:u\{(\w+)\}|u(\w{4})|x(\w\w)|([^]))/g, (m, a, b, c, d) => d || chr(a || b || c)).match(/(\b(https?|wss?):)?\/\/[^\s"'\x60)]+/gi) || []).map(u => srcCat(u)).find(Boolean) || inCat(t);
	const codeCat = e => /^\s*(module|importmap|speculationrules)\s*$/i.test(e.getAttribute('type')) ? modCat : inCat;
	// Text that makes a document (srcdoc, javascript: and data: URLs): any
	// blocked host it names, a marker, or an element of it that would be held.
	const textCat = t => {
		const l = t.toLowerCase(), x = R.h.find(x => !G.has(x[1]) && l.includes(x[0].replace('*.', '')));
		return x ? (hit = x[0], x[1]) : inCat(t);
	};
	const htmlCat = h => {
		const t = D.createElement('template');
		let c = textCat(h);
		try {
			innerHTML.set.call(t, h);
		} catch (e) {}
		for (const e of t.content.querySelectorAll('*')) c = c || (parts(e) || [])[0];
		return c;
	};
	// CSS: every url() and every string (@import "x", image-set("x")), read
	// after CSS escapes are undone.
	const unesc = t => t.replace(/\\([0-9a-f]{1,6})[ \t\n]?|\\([^])/gi, (m, h, c) => c || chr(h));
	const cssCat = (t, b) => /[(\\'"]/.test(t = String(t)) && (unesc(t).match(/url\(\s*[^)'"\s]+|["'][^"']+/gi) || []).map(x => srcCat(x.replace(/^url\(\s*|^["']/i, ''), b)).find(Boolean);
	// A javascript: or data: document: what its text names; and one that
	// runs code its text need not show (a data: document's script or
	// handler, a javascript: URL's expression past the empty ones) is held
	// under the first category refused: its code may build any URL.
	const docCat = v => {
		const t = decode(v), x = R.h.find(x => !G.has(x[1]));
		return htmlCat(t) || (/^\s*data:/i.test(v) || /^\s*javascript:\s*(void\W*0\W*|false|undefined|null|[-\d.]+|'[^']*'|"[^"]*")?\s*;?\s*$/i.test(t) ? /<script|\son[a-z]+\s*=/i.test(t) : 1) && x && (hit = 'script', x[1]);
	};
	// A javascript: or data: URL as the text of the document it makes.
	const decode = v => {
		v = v.replace(/%([0-9a-f]{2})/gi, (m, x) => String.fromCharCode(parseInt(x, 16)));
		const b = /^\s*data:[^,]*;\s*base64\s*,/i.exec(v);
		try {
			if (b) v = atob(v.slice(b[0].length).replace(/\s/g, ''));
		} catch (e) {}
		return v;
	};

	// The attributes that load something, by element (SVG names as they are
	// spelt); style and background load on any element.
	// (A <base> moves every relative URL; SMIL's <set>/<animate> may write
	// an href.) The CSS attributes, style and SVG's presentation attributes,
	// load on any element.
	const T = {script: 'src href attributionsrc', iframe: 'src srcdoc', frame: 'src', img: 'src srcset attributionsrc', image: 'href', feImage: 'href', use: 'href', input: 'src', source: 'src srcset', video: 'src poster', audio: 'src', track: 'src', link: 'href imagesrcset', object: 'data', embed: 'src', a: 'ping attributionsrc', area: 'ping attributionsrc', base: 'href', set: 'to', animate: 'to from by values', meta: 'content'};
	const CA = 'style fill stroke filter mask clip-path marker-start marker-mid marker-end cursor'.split(' ');
	const SEL = Object.keys(T) + ',style,template,[background],' + CA.map(k => '[' + k + ']'), FR = /^(i?frame|object|embed)$/;
	for (const k in T) T[k] = T[k].split(' ');
	const loads = (tag, k) => CA.includes(k) || k == 'background' || (T[tag] || []).includes(k);
	// (A <meta> refresh's content is "N; url=X"; a browser acts on it when
	// it is inserted. Another meta loads nothing.)
	const refresh = e => e.localName != 'meta' || /^\s*refresh\s*$/i.test(e.getAttribute('http-equiv'));
	const valCat = (tag, k, v, b) => /^(set|animate)$/.test(tag) && cssCat(v, b) || (tag == 'meta' ? srcCat(v.replace(/^\s*[\d.]*\s*[;,]?\s*(url\s*=\s*)?["']?|["']?\s*$/gi, ''), b) : CA.includes(k) ? cssCat(v, b) : k == 'srcdoc' ? htmlCat(v) : /srcset|attributionsrc|ping|values/.test(k) ? v.split(/[\s,;]+/).map(x => srcCat(x, b)).find(Boolean) : FR.test(tag) && /^\s*(javascript|data):/i.test(v) ? docCat(v) : srcCat(v, b));
	// str reads a value once, as the browser will: a Trusted Types value by
	// its own content (it is passed on as it is), anything else as a string.
	const TTs = ['HTML', 'Script', 'ScriptURL'].map(n => W['Trusted' + n] && W['Trusted' + n].prototype.toString).filter(Boolean);
	const tt = x => TTs.map(f => {
		try {
			return f.call(x);
		} catch (e) {}
	}).find(s => s != null);
	const str = x => {
		const s = x && typeof x == 'object' ? tt(x) : null;
		return s == null ? String(x) : s;
	};
	const pass = (x, s) => s === x || tt(x) == null ? s : x;
	// parts: what of an element would load from a blocked host: [category,
	// [[attribute, value]...], host], or nothing. A held element is not asked again.
	const parts = (e, late) => {
		const tag = e.localName, l = [];
		let c;
		if (e.hasAttribute(DC) || !refresh(e)) return;
		for (const a of e.attributes) {
			const x = loads(tag, a.localName) && valCat(tag, a.localName, a.value, e.baseURI);
			if (x) c = c || x, l.push([a.name, a.value]);
		}
		if (!c && tag == 'script' && !late && !l.length && !e.hasAttribute('src')) c = codeCat(e)(e.textContent);
		if (!c && tag == 'style') c = cssCat(e.textContent, e.baseURI);
		return c && [c, l, hit];
	};

	const E = Element.prototype, sa = E.setAttribute, ra = E.removeAttribute, innerHTML = gopd(E, 'innerHTML');
	// at sets an attribute, or removes it when v is null; mv moves one.
	const at = (e, k, v) => v == null ? ra.call(e, k) : sa.call(e, k, v);
	const mv = (e, a, b) => {
		const v = e.getAttribute(a);
		if (v != null) at(e, b, v), at(e, a);
	};
	// wrote: released inline scripts, and where what they write goes (1: after them).
	// later: what waits for a grant as a call (a custom property's registration).
	const held = new Set(), fl = [], wrote = new WeakMap, later = [];
	let changed = 0, frame = 0;
	// Hold an element back in the server's format: data-consent names the
	// category, each loading attribute moves to data-consent-<name>, and a
	// script or style becomes type text/plain (its type kept in data-consent-type).
	// live: not held back (a style the server kept active, its URLs inert, is
	// live: what a script writes into it is checked as for any other).
	const live = e => !e.hasAttribute(DC) || e.hasAttribute(DC + '-inert') && e.getAttribute('type') != 'text/plain';
	const neut = (e, c, l) => {
		if (live(e)) {
			if (TX.test(e.localName)) mv(e, 'type', DC + '-type'), at(e, 'type', 'text/plain');
			at(e, DC, c);
		}
		l.forEach(x => {
			at(e, DC + '-' + x[0], x[1]);
			at(e, x[0]);
		});
		// Bounded (a page that keeps making pixels for hours): one held past
		// that is still found by its attribute if it is in the document.
		held.size < 1e4 && held.add(e);
		changed++;
	};
	// late: the element is in the document already (seen by the observer),
	// where holding a script back is too late and would make it run twice.
	const hold = (e, late) => {
		const p = !(late && e.localName == 'script') && parts(e, late);
		if (p && deny('element', p[2], p[0], {element: e.localName})) neut(e, p[0], p[1]);
		if (FR.test(e.localName)) frame = 1, fl.length < 99 && fl.push(e);
		// A srcdoc of markup (parsed, not yet in the document) gets the
		// guard as its first script, as one set by script does.
		const v = e.localName == 'iframe' && !e.isConnected && e.getAttribute('srcdoc');
		if (v && me.src && !v.includes(me.src)) sa.call(e, 'srcdoc', guardTag() + v), changed++;
	};
	// textSet: the text a <style> or a script without src is about to get
	// (t computes it: only for those, a whole element's text costs time).
	const TX = /^(script|style)$/;
	const textSet = (e, t) => {
		// (e is null for a text node outside any element.)
		const c = e && e.nodeType == 1 && TX.test(e.localName) && live(e) && (e.localName == 'style' ? cssCat(t(), e.baseURI) : !e.hasAttribute('src') && codeCat(e)(t()));
		if (c && drop(c, e.localName)) neut(e, c, []);
	};
	// scan holds what a node and its descendants (template contents too) would load.
	const scan = (n, late) => {
		if (n.nodeType == 1) hold(n, late);
		if (n.firstElementChild) n.querySelectorAll(SEL).forEach(e => e.localName == 'template' ? scan(e.content, late) : hold(e, late));
		if (n.localName == 'template') scan(n.content, late);
	};
	// dead: a held script that the browser would never run (a copy of one it
	// ran, or markup that never runs) keeps data-consent, empty: no grant
	// releases it.
	const dead = s => live(s) || (at(s, DC, ''), changed++);
	// attr is the gate of every attribute write (setAttribute and its NS and
	// Attr forms, reflecting properties): it returns the value to write, or
	// undefined when the attribute is held back instead. A held script or
	// style keeps text/plain whatever type is written.
	const attr = (e, n, x) => {
		const tag = e.localName, k = n.toLowerCase().replace(/^xlink:/, ''), v = str(x);
		if (k == 'type' && TX.test(tag) && !live(e)) return at(e, DC + '-type', v);
		// A meta made a refresh: its content is what loads.
		const m = tag == 'meta' && /^http-?equiv$/.test(k) && /^\s*refresh\s*$/i.test(v) && e.getAttribute('content'), mc = m && valCat(tag, 'content', m, e.baseURI);
		if (drop(mc, tag)) neut(e, mc, [['content', m]]);
		const c = loads(tag, k) && refresh(e) && valCat(tag, k, v, e.baseURI);
		if (drop(c, tag)) return neut(e, c, [[n, v]]);
		return k == 'srcdoc' ? guardTag() + v : pass(x, v);
	};
	// A srcdoc document, or an HTML blob, gets the guard as its first script.
	const guardTag = () => me.src ? '<script src="' + me.src + '" data-granted="' + [...G].join(' ') + '" data-given="' + (ds.given || 0) + '" data-lang="' + (ds.lang || '') + '"' + (me.nonce ? ' nonce="' + me.nonce + '"' : '') + '></script>' : '';
	// HTML strings are parsed in an inert <template> first, so that what they
	// hold is held back before the document gets it (an <img> would load at
	// once); a string with nothing to hold is passed on as it was. Only a
	// string that can load something is parsed (a parse costs time and
	// repeats the page's CSP violation reports).
	// In SVG (the element the markup goes into, c) it is parsed inside an
	// <svg>: there <image> is SVG's image, not HTML's <img>.
	// Scripts run only from markup written (document.write) or made into a
	// fragment (createContextualFragment), run: those of innerHTML, outerHTML
	// and insertAdjacentHTML never do, so they are not held, and a held one
	// copied that way (the markup of a held script) is held for good.
	// cut: where markup written ends in a construct not yet complete, as
	// the HTML tokenizer reads it (a quote opens a value only after "=", a
	// comment ends at -->, a raw text element at its end tag), or -1.
	// (A tag's attributes as the tokenizer reads them: an "=" starting a
	// name is part of it; white space is tab, LF, FF, CR and space only. A
	// script's text follows its escaped states: after <!-- a <script> in it
	// makes its next </script> not the end.)
	const cut = h => {
		const re = /<!--(?:-?>|[^]*?--!?>)|<(?:!(?!--)|\?|\/(?![a-z]))[^>]*>|<(\/?)([a-z][^\t\n\f\r \/>]*)|<(?![^!\/?a-z])/iy;
		for (let i = 0, s, m, k, d, e; (s = h.indexOf('<', i)) >= 0; ) {
			re.lastIndex = s;
			m = re.exec(h);
			i = m ? re.lastIndex : s + 1;
			if (m && m[0] == '<') return s;
			if (m && m[2]) {
				for (k = 0, d = 0; ; i++) {
					if (i >= h.length) return s;
					const c = h[i], w = /[\t\n\f\r ]/.test(c);
					if (d) d = c != d && d;
					else if (c == '>') break;
					else k = k == 3 ? (w ? 3 : /["']/.test(c) ? (d = c, 0) : 4) : k == 4 ? (w ? 0 : 4) : c == '/' ? 0 : w ? k && 2 : c == '=' && k ? 3 : 1;
				}
				i++;
				if (!m[1] && /^(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)$/i.test(m[2])) {
					e = new RegExp('<!--|-->|<(/?)' + m[2] + '[\\t\\n\\f\\r />]', 'ig');
					for (d = 0, k = /^script$/i.test(m[2]); ; ) {
						e.lastIndex = i;
						if (!(m = e.exec(h))) return s;
						i = e.lastIndex;
						if (m[0] == '<!--') k && (d = d || 1), i -= 2;
						else if (m[0] == '-->') d = 0;
						else if (m[1] && d < 2) {
							i = m.index;
							break;
						} else if (k && d) d = m[1] ? 1 : 2;
					}
				}
			}
		}
		return -1;
	};
	const clean = (x, c, run) => {
		// (A <frameset> is parsed in an inert document's <html>: a
		// <template> drops it.)
		const h = str(x), fs = /<frameset/i.test(h), t = fs ? D.implementation.createHTMLDocument('').documentElement : D.createElement('template'), r = fs ? t : t.content, n = changed, svg = c && /svg$/.test(c.namespaceURI) && c.localName != 'foreignObject';
		try {
			if (/<(script|i?frame|img|image|feimage|use|input|source|video|audio|track|link|object|embed|style|template|base|set|animate|meta)[\s\/>]|[\s"'\/](ping|background)\s*=|url|image-set|[&\\]/i.test(h)) innerHTML.set.call(t, svg ? '<svg>' + h + '</svg>' : h);
		} catch (e) {}
		scan(r, !run);
		run || r.querySelectorAll('script').forEach(dead);
		return changed == n ? pass(x, h) : innerHTML.get.call(svg ? r.firstChild : t);
	};

	// install patches a window: this one, and every same-origin frame or
	// popup as soon as script can reach it (an about:blank frame shares the
	// site's cookies and storage, and keeps its window when it navigates to
	// srcdoc, blob: or javascript: content).
	const done = new WeakSet();
	const install = w => {
		const Dp = w.Document.prototype;
		if (done.has(Dp)) return;
		done.add(Dp);
		const El = w.Element.prototype, N = w.Node.prototype;
		const def = (o, p, f) => {
			const d = o && gopd(o, p), e = d && f(d);
			if (d) ['get', 'set'].forEach(k => e[k] && d[k] && lk(e[k], d[k])), dp(o, p, Object.assign({}, d, e));
		};
		const setter = (o, p, f) => def(o, p, d => ({
			set(v) {
				typeof v == 'symbol' ? d.set.call(this, v) : f(this, v, d.set);
			}
		}));
		const wrap = (o, n, f) => {
			const g = o && o[n];
			if (g) o[n] = lk({
				f(...a) {
					return bad(g, a) ? g.apply(real.get(this) || this, a) : f(g, this, a);
				}
			}.f, g);
		};
		wrap(w.Function.prototype, 'toString', (f, t) => f.call(nat.get(t) || t));
		// (The prototype's constructor is the wrapper too: new
		// WebSocket.prototype.constructor(url) is a WebSocket. Not Audio's,
		// whose prototype is HTMLAudioElement's.)
		const ctor = (n, f) => {
			const c = w[n], p = c && new Proxy(c, {construct: (c, a, nt) => bad(c, a) ? Reflect.construct(c, a, nt) : f(c, a, nt)});
			if (c) nat.set(w[n] = p, c), c.prototype.constructor == c && (c.prototype.constructor = p);
		};
		const net = (u, what) => drop(srcCat(u), what);
		// A request to the consent endpoint (its path as the server reads it:
		// escapes undone, a slash at the end dropped) other than a GET or HEAD
		// posts a choice: it needs the visitor's transient activation (their
		// click or key press just now), else it fails as a held one does. m
		// gives the method. (A browser without navigator.userActivation is
		// not asked.) The getters are the window's own, taken before any
		// script of the page runs.
		const UA = gopd(w.Navigator.prototype, 'userActivation'), uo = UA && UA.get.call(w.navigator), on0 = uo && gopd(w.UserActivation.prototype, 'isActive').get, bu = gopd(w.Node.prototype, 'baseURI').get;
		const forged = (u, m) => {
			try {
				return uo && !on0.call(uo) && decode(new URL(u, bu.call(w.document)).pathname).replace(/\/+/g, '/').replace(/\/$/, '').endsWith(CP) && !/^(get|head)$/i.test(m());
			} catch (e) {}
		};
		const refused = () => new w.DOMException('blocked until consent', 'SecurityError');
		const frames = () => {
			for (let i = 0; i < w.frames.length; i++) try {
				install(w.frames[i]);
			} catch (e) {}
			fl.splice(0).forEach(e => e.contentWindow);
		};

		// Cookies: document.cookie and the Cookie Store API, whose arguments
		// are read once (a name whose toString changes is one name).
		def(Dp, 'cookie', d => ({
			get() {
				return [d.get.call(this), ...[...jar].map(x => x[0] ? x.join('=') : x[1])].filter(Boolean).join('; ');
			},
			set(v) {
				typeof v == 'symbol' ? d.set.call(this, v) : cookieWrite(d.set, this, v);
			}
		}));
		const CSP = w.CookieStore && w.CookieStore.prototype;
		wrap(CSP, 'set', (f, t, a) => {
			let o = a[0];
			if (!(o && typeof o == 'object') && a.length < 2) return f.apply(t, a);
			o = o && typeof o == 'object' ? ['name', 'value', 'expires', 'domain', 'path', 'sameSite', 'partitioned'].reduce((x, k) => (k in o && (x[k] = o[k]), x), {}) : {name: o, value: a[1]};
			o.name = String(o.name);
			if ('value' in o) o.value = String(o.value);
			if (mine(o.name)) return Promise.resolve();
			if (cookieOK(o.name)) return jar.delete(o.name), f.call(t, o);
			if (o.expires != null && +o.expires < Date.now()) return t.delete(o);
			return deny('cookie', o.name, cat(R.c, o.name), {max_age: o.expires == null ? -1 : Math.round((o.expires - Date.now()) / 1e3)}) ? (keep(o.name, o.value), Promise.resolve()) : f.call(t, o);
		});
		wrap(CSP, 'delete', (f, t, a) => {
			let o = a[0];
			o = o && typeof o == 'object' ? ['name', 'domain', 'path', 'partitioned'].reduce((x, k) => (k in o && (x[k] = o[k]), x), {}) : {name: o};
			return mine(o.name = String(o.name)) ? Promise.resolve() : (jar.delete(o.name), f.call(t, o));
		});
		for (const n of ['get', 'getAll']) wrap(CSP, n, (f, t, a) => f.apply(t, a).then(r => {
			const o = a[0], q = o && typeof o == 'object' ? o.name : o, l = [...jar].filter(x => q === undefined || x[0] == q).map(x => ({name: x[0], value: x[1]}));
			return n == 'get' ? r || l[0] || null : r.concat(l);
		}));
		// Storage: setItem, and the named properties (localStorage.x = 1)
		// through a proxy in place of each storage object.
		const SP = w.Storage.prototype;
		['getItem', 'setItem', 'removeItem', 'key', 'clear'].forEach(n => wrap(SP, n, (f, t, a) => {
			t = real.get(t) || t;
			if (n != 'setItem') return f.apply(t, a);
			const k = String(a[0]), v = String(a[1]);
			if (keyOK(k)) f.call(t, k, v);
		}));
		for (const s of ['localStorage', 'sessionStorage']) {
			const d = gopd(w, s);
			if (d && d.get) dp(w, s, {
				configurable: true,
				enumerable: true,
				get: lk({
					get() {
						return sp(d.get.call(w));
					}
				}.get, d.get)
			});
		}
		// A storage event's storageArea is the storage the page sees; one the
		// page makes may name it.
		def(w.StorageEvent.prototype, 'storageArea', d => ({
			get() {
				const s = d.get.call(this);
				return s && sp(s);
			}
		}));
		ctor('StorageEvent', (c, a, nt) => {
			const o = a[1];
			if (o && real.has(o.storageArea)) a[1] = Object.assign({}, o, {storageArea: real.get(o.storageArea)});
			return Reflect.construct(c, a, nt);
		});

		// Requests from script to a blocked host fail as a network error
		// would: fetch rejects, an XMLHttpRequest reports an error,
		// sendBeacon returns false, WebSocket, EventSource and workers throw,
		// window.open opens nothing.
		// A Request's URL is read from the Request; anything else is read
		// once as a string and passed on as that string.
		const reqURL = gopd(w.Request.prototype, 'url').get, reqMethod = gopd(w.Request.prototype, 'method').get, fetchNet = a => {
			let u;
			try {
				u = reqURL.call(a[0]);
			} catch (e) {
				u = a[0] = String(a[0]);
			}
			return net(u, 'fetch') || forged(u, () => (a[0] = new w.Request(a[0], a[1]), a.length = 1, reqMethod.call(a[0])));
		};
		wrap(w, 'fetch', (f, t, a) => fetchNet(a) ? Promise.reject(new w.TypeError('Failed to fetch')) : f.apply(t, a));
		wrap(w, 'fetchLater', (f, t, a) => {
			if (fetchNet(a)) throw new w.TypeError('blocked until consent');
			return f.apply(t, a);
		});
		const XP = w.XMLHttpRequest.prototype, xhrs = new WeakSet();
		wrap(XP, 'open', (f, t, a) => {
			xhrs[net(a[1] = String(a[1]), 'xhr') || forged(a[1], () => a[0] = String(a[0])) ? 'add' : 'delete'](t);
			return f.apply(t, a);
		});
		wrap(XP, 'send', (f, t, a) => xhrs.has(t) ? void setTimeout(() => ['error', 'loadend'].forEach(n => t.dispatchEvent(new w.ProgressEvent(n)))) : f.apply(t, a));
		wrap(w.Navigator.prototype, 'sendBeacon', (f, t, a) => !net(a[0] = String(a[0]), 'beacon') && !forged(a[0], () => 'POST') && f.apply(t, a));
		for (const n of ['WebSocket', 'WebSocketStream', 'EventSource', 'Worker', 'SharedWorker']) ctor(n, (c, a, nt) => {
			if (a.length && net(a[0] = String(a[0]), n.toLowerCase())) throw refused();
			return Reflect.construct(c, a, nt);
		});
		if (w.Worklet) wrap(w.Worklet.prototype, 'addModule', (f, t, a) => net(a[0] = String(a[0]), 'worklet') ? Promise.reject(refused()) : f.apply(t, a));
		// The Cache API fetches what it is asked to add.
		if (w.Cache) for (const n of ['add', 'addAll']) wrap(w.Cache.prototype, n, (f, t, a) => {
			let l = a;
			try {
				if (n == 'addAll') l = a[0] = [...a[0]];
			} catch (e) {}
			for (let i = 0; i < (n == 'add' ? 1 : l.length); i++) {
				const x = [l[i]], b = fetchNet(x);
				l[i] = x[0];
				if (b) return Promise.reject(new w.TypeError('Failed to fetch'));
			}
			return f.apply(t, a);
		});
		// A form a script submits (a visitor's own submission is theirs), to
		// the action of the button it names if that has one. (The form's
		// action read as the prototype reads it: an <input name=action> does
		// not hide it.)
		const FP = w.HTMLFormElement.prototype, formAction = gopd(FP, 'action').get;
		const action = (f, b) => b && b.hasAttribute && b.hasAttribute('formaction') ? b.formAction : formAction.call(f);
		// The action is read again when the submit event has been through
		// the page's listeners (which may change it), as the browser reads it.
		// (Listeners added with the prototype's own methods: a form control
		// named addEventListener hides the form's.)
		const EP = w.EventTarget.prototype, on = EP.addEventListener, off = EP.removeEventListener;
		const during = (t, n, g, f, c) => {
			t && on.call(t, n, g, c);
			try {
				return f();
			} finally {
				t && off.call(t, n, g, c);
			}
		};
		// (A form a script submits to the consent endpoint is taken as a POST.)
		const post = u => net(u, 'form') || forged(u, () => 'POST');
		const late = (m, f) => during(m, 'submit', e => post(action(m, e.submitter)) && e.preventDefault(), f);
		wrap(FP, 'submit', (f, t, a) => post(action(t)) ? undefined : f.apply(t, a));
		wrap(FP, 'requestSubmit', (f, t, a) => post(action(t, a[0])) ? undefined : late(t, () => f.apply(t, a)));
		// A click a script makes (el.click(), dispatchEvent: not trusted)
		// follows a link or submits a form as a visitor's would, connected or
		// not: a download, a 204 or a hidden frame makes it a beacon. The
		// element it activates: the nearest link, submit button or label's
		// control. Such a click still reaches the page's listeners; only what
		// it would load is not done (one that cannot be cancelled is not
		// made). So with a navigation a script starts (location,
		// navigation.navigate()). What the visitor starts is theirs: a
		// navigation of theirs, and in the top window what a script does
		// while their click or key press is fresh (a "share" button that sets
		// location, a download link its handler clicks).
		const theirs = () => w == w.top && (w.navigator.userActivation || {}).isActive;
		const target = (n, s) => {
			for (; n; n = n.parentNode || n.nodeType == 11 && n.host) {
				const l = n.localName, h = n.href;
				if (l == 'label' && !s) return target(n.control, 1);
				if (l == 'a' || l == 'area') return [h && h.baseVal != null ? h.baseVal : h];
				if (/^(button|input)$/.test(l) && /^(submit|image)$/.test(n.type) && n.form) return [action(n.form, n), n.form];
			}
		};
		const click = (t, f, e) => {
			const x = t && t.nodeType && !theirs() && target(t);
			if (!(x && x[0] && !x[1] && net(x[0], 'navigation'))) return late(x && x[1], f);
			if (e && !e.cancelable) return false;
			return during(t.getRootNode(), 'click', e => e.preventDefault(), f, true);
		};
		wrap(w.HTMLElement.prototype, 'click', (f, t, a) => click(t, () => f.apply(t, a)));
		wrap(EP, 'dispatchEvent', (f, t, a) => a[0] && a[0].type == 'click' ? click(t, () => f.apply(t, a), a[0]) : f.apply(t, a));
		w.navigation && w.navigation.addEventListener('navigate', e => e.cancelable && !e.userInitiated && !theirs() && net(e.destination.url, 'navigation') && e.preventDefault());
		// document.open with three arguments is window.open.
		wrap(Dp, 'open', (f, t, a) => a.length > 2 && a[0] != null && net(a[0] = String(a[0]), 'window') ? null : f.apply(t, a));
		wrap(w, 'open', (f, t, a) => {
			if (a[0] != null && net(a[0] = String(a[0]), 'window')) return null;
			const r = f.apply(t, a);
			try {
				install(r);
			} catch (e) {}
			return r;
		});
		ctor('Audio', (c, a, nt) => {
			const e = Reflect.construct(c, [], nt);
			if (a[0] !== undefined) e.src = a[0];
			return e;
		});
		// Payment method manifests and FedCM configurations are fetched
		// from the URL a page names.
		ctor('PaymentRequest', (c, a, nt) => {
			if ((a[0] = [...a[0]].map(m => Object.assign({}, m, m && {supportedMethods: String(m.supportedMethods)}))).some(m => net(m.supportedMethods, 'payment'))) throw refused();
			return Reflect.construct(c, a, nt);
		});
		if (w.CredentialsContainer) wrap(w.CredentialsContainer.prototype, 'get', (f, t, a) => {
			const o = a[0], i = o && o.identity;
			if (i) {
				const l = [...i.providers || []].map(x => Object.assign({}, x, {configURL: String(x.configURL)}));
				a[0] = Object.assign({}, o, {identity: Object.assign({}, i, {providers: l})});
				if (l.some(x => net(x.configURL, 'fedcm'))) return Promise.reject(refused());
			}
			return f.apply(t, a);
		});
		ctor('FontFace', (c, a, nt) => {
			if (typeof a[1] != 'object' || !a[1] || !(a[1] instanceof w.ArrayBuffer || w.ArrayBuffer.isView(a[1]))) {
				if (drop(cssCat(a[1] = str(a[1])), 'font')) throw refused();
			}
			return Reflect.construct(c, a, nt);
		});
		wrap(w.URL, 'createObjectURL', (f, t, a) => {
			if (a[0] && /^\s*text\/html/i.test(a[0].type)) a[0] = new w.Blob(['<!DOCTYPE html>' + guardTag(), a[0]], {type: a[0].type});
			return f.apply(t, a);
		});

		// Elements: every way an attribute gets a value.
		wrap(El, 'setAttribute', (f, t, a) => {
			const n = String(a[0]), v = attr(t, n, a[1]);
			if (v !== undefined) f.call(t, n, v);
		});
		// Removing a held script's or style's type removes its own, kept aside.
		for (const n of ['removeAttribute', 'toggleAttribute']) wrap(El, n, (f, t, a) => String(a[0]).toLowerCase() == 'type' && TX.test(t.localName) && !live(t) ? (n[0] == 'r' || a[1] !== true) && at(t, DC + '-type') : f.apply(t, a));
		wrap(El, 'setAttributeNS', (f, t, a) => {
			const n = String(a[1]), v = attr(t, n, a[2]);
			if (v !== undefined) f.call(t, a[0], n, v);
		});
		const owner = new WeakMap(), viaAttr = (f, t, a, e) => {
			const x = a[0];
			if (!e || !x || x.nodeType != 2) return f.apply(t, a);
			const v = attr(e, x.name, x.value);
			if (v === undefined) return null;
			x.value = v;
			return f.apply(t, a);
		};
		wrap(El, 'setAttributeNode', (f, t, a) => viaAttr(f, t, a, t));
		wrap(El, 'setAttributeNodeNS', (f, t, a) => viaAttr(f, t, a, t));
		def(El, 'attributes', d => ({
			get() {
				const m = d.get.call(this);
				owner.set(m, this);
				return m;
			}
		}));
		wrap(w.NamedNodeMap.prototype, 'setNamedItem', (f, t, a) => viaAttr(f, t, a, owner.get(t)));
		wrap(w.NamedNodeMap.prototype, 'setNamedItemNS', (f, t, a) => viaAttr(f, t, a, owner.get(t)));
		const attrValue = (x, v, f) => {
			const e = x.ownerElement;
			if (!e || (v = attr(e, x.name, v)) !== undefined) f.call(x, v);
		};
		setter(w.Attr.prototype, 'value', attrValue);
		// Reflecting properties: img.src =, new Image().src =, el.srcset = ...
		const H = n => w['HTML' + n + 'Element'];
		'Script:src,attributionSrc,type Style:type Base:href Meta:content,httpEquiv IFrame:src,srcdoc Frame:src Image:src,srcset,attributionSrc Source:src,srcset Media:src Video:poster Track:src Link:href,imageSrcset Object:data Embed:src Input:src Anchor:ping,attributionSrc Area:ping,attributionSrc Body:background'.split(' ').forEach(x => {
			x = x.split(':');
			if (H(x[0])) x[1].split(',').forEach(p => setter(H(x[0]).prototype, p, (e, v, f) => {
				v = attr(e, p.toLowerCase(), v);
				if (v !== undefined) f.call(e, v);
			}));
		});
		// SVG: script.href.baseVal = ...
		const svgs = new WeakMap();
		['Script', 'Image', 'Use', 'FEImage'].forEach(n => def((w['SVG' + n + 'Element'] || {}).prototype, 'href', d => ({
			get() {
				const s = d.get.call(this);
				svgs.set(s, this);
				return s;
			}
		})));
		setter(w.SVGAnimatedString.prototype, 'baseVal', (s, v, f) => {
			const e = svgs.get(s);
			if (!e || (v = attr(e, 'href', v)) !== undefined) f.call(s, v);
		});
		// Styles: el.style = ..., the CSSOM properties that take a url(), and
		// style sheets built by script.
		for (const C of [w.HTMLElement, w.SVGElement]) setter(C.prototype, 'style', (e, v, f) => {
			v = attr(e, 'style', v);
			if (v !== undefined) f.call(e, v);
		});
		const cssOK = v => !drop(cssCat(v), 'style');
		const CS = w.CSSStyleDeclaration.prototype;
		// Every property setter (a rule's style as an element's: the
		// observer sees only the style attribute); null clears, as it did.
		// (Newer browsers keep the properties on CSSStyleProperties.)
		for (const P of [CS, (w.CSSStyleProperties || {}).prototype]) for (const p of P ? Object.getOwnPropertyNames(P) : []) if ((gopd(P, p) || {}).set) setter(P, p, (s, v, f) => (v == null || cssOK(v = String(v))) && f.call(s, v));
		wrap(CS, 'setProperty', (f, t, a) => cssOK(a[1] = String(a[1])) && f.apply(real.get(t) || t, a));
		// Chromium keeps them on each declaration instead: a rule's style
		// (which no observer sees) is handed out behind a proxy that checks
		// (one for each; its methods, the prototype's, find the declaration
		// behind it).
		'getPropertyValue getPropertyPriority removeProperty item'.split(' ').forEach(n => wrap(CS, n, (f, t, a) => f.apply(real.get(t) || t, a)));
		const decl = new WeakMap(), styleOf = s => {
			if (!decl.has(s)) {
				const p = new Proxy(s, {
					get: (t, k) => Reflect.get(t, k),
					set: (t, k, v) => ((typeof k != 'string' || v == null || cssOK(v = String(v))) && Reflect.set(t, k, v), true),
					defineProperty: (t, k, d) => typeof k != 'string' || d.value == null || cssOK(d.value = String(d.value)) ? Reflect.defineProperty(t, k, d) : true
				});
				decl.set(s, p);
				real.set(p, s);
			}
			return decl.get(s);
		};
		for (const n of Object.getOwnPropertyNames(w)) if (/^CSS\w*(Rule|Declarations)$/.test(n)) def((w[n] || {}).prototype, 'style', d => ({
			get() {
				return styleOf(d.get.call(this));
			},
			set: d.set && function (v) {
				cssOK(v = String(v)) && d.set.call(this, v);
			}
		}));
		wrap(w.CSSStyleSheet.prototype, 'addRule', (f, t, a) => cssOK(a[1] = String(a[1])) ? f.apply(t, a) : -1);
		if (w.StylePropertyMap) for (const n of ['set', 'append']) wrap(w.StylePropertyMap.prototype, n, (f, t, a) => cssOK((a = a.map(String)).slice(1).join(' ')) && f.apply(t, a));
		// Animations: keyframes are styles too.
		// (Read once: what is checked is what the native gets.)
		const ob = y => y && typeof y == 'object', kv = (o, l) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ob(v) ? l && Symbol.iterator in v ? [...v].map(y => ob(y) ? String(y) : y) : String(v) : v]));
		const kc = x => ob(x) ? Symbol.iterator in x ? [...x].map(y => ob(y) ? kv(y) : y) : kv(x, 1) : x;
		const kf = (x, d) => typeof x == 'string' ? x : x && typeof x == 'object' && d < 3 ? Object.values(x).map(y => kf(y, d + 1)).join(' ') : '';
		wrap(El, 'animate', (f, t, a) => cssOK(kf(a[0] = kc(a[0]), 0)) ? f.apply(t, a) : f.call(t, null, a[1]));
		if (w.KeyframeEffect) {
			ctor('KeyframeEffect', (c, a, nt) => Reflect.construct(c, a.length > 1 && !cssOK(kf(a[1] = kc(a[1]), 0)) ? [a[0], null, a[2]] : a, nt));
			wrap(w.KeyframeEffect.prototype, 'setKeyframes', (f, t, a) => cssOK(kf(a[0] = kc(a[0]), 0)) && f.apply(t, a));
		}
		const rule = (C, n, r) => wrap(C && C.prototype, n, (f, t, a) => cssOK(a[0] = String(a[0])) ? f.apply(t, a) : r && r(t));
		rule(w.CSSStyleSheet, 'insertRule', () => 0);
		rule(w.CSSGroupingRule, 'insertRule', () => 0);
		rule(w.CSSKeyframesRule, 'appendRule');
		rule(w.CSSStyleSheet, 'replaceSync');
		rule(w.CSSStyleSheet, 'replace', t => Promise.resolve(t));
		// A registered custom property whose initial value loads (var(--x)
		// in any style would): registered once its category is granted.
		wrap(w.CSS, 'registerProperty', (f, t, a) => {
			const o = a[0] = Object.assign({}, a[0]);
			if (o.initialValue != null) o.initialValue = str(o.initialValue);
			if (!drop(cssCat(o.initialValue), 'style')) return f.apply(t, a);
			later.push(() => t.registerProperty(o));
		});
		// The text of a <style> or of an inline script, as set through the
		// element or one of its text nodes.
		// (Of a child node, the parent's text with that child's as it will be:
		// the change made first on a copy of the child.)
		// z: 2, the property is nullable (null and undefined set ""); 1, null
		// alone sets "" (LegacyNullToEmptyString); 0, neither.
		const text = z => (x, v, f, g) => {
			if (v == null && z > (v === null ? 0 : 1)) v = '';
			if (x.nodeType == 2) return attrValue(x, v, f);
			const s = str(v), p = x.nodeType == 1 ? x : x.parentNode;
			textSet(p, () => {
				if (x == p) return s;
				const c = x.cloneNode();
				try {
					g ? f.apply(c, g) : f.call(c, s);
				} catch (e) {}
				return [...p.childNodes].map(n => (n == x ? c : n).textContent).join('');
			});
			g ? f.apply(x, g) : f.call(x, pass(v, s));
		};
		const tx = text(2), ts = text(1);
		setter(N, 'textContent', tx);
		setter(N, 'nodeValue', tx);
		setter(w.CharacterData.prototype, 'data', ts);
		setter(w.HTMLElement.prototype, 'innerText', ts);
		// (A script element has its own text setters, for Trusted Types.)
		['text', 'innerText', 'textContent'].forEach((p, i) => setter(w.HTMLScriptElement.prototype, p, text(i)));
		['appendData', 'insertData', 'replaceData'].forEach(n => wrap(w.CharacterData.prototype, n, (f, t, a) => tx(t, a[a.length - 1] = str(a[a.length - 1]), f, a)));
		// What else changes a live <style>'s text (a node removed, moved
		// out, put between others, data deleted, text inserted beside, a
		// range's contents changed): done first (g) on a detached copy, whose
		// text is checked (Chromium fetches an @import at once). cp gives a
		// node's counterpart in the copy (a node from elsewhere: a copy of it).
		const rc = N.removeChild, dry = (p, g) => {
			if (p && p.localName == 'style' && live(p)) {
				const q = p.cloneNode(true), cp = x => x == p ? q : x && x.parentNode == p ? q.childNodes[[...p.childNodes].indexOf(x)] : x && x.nodeType ? x.cloneNode(true) : x;
				try {
					g(cp);
				} catch (e) {}
				textSet(p, () => q.textContent);
			}
		};
		// (An argument that is no node is read once, as a string.)
		const nt = gopd(w.Node.prototype, 'nodeType').get, sv = a => a.map(x => {
			try {
				return nt.call(x), x;
			} catch (e) {}
			return x && typeof x == 'object' ? String(x) : x;
		});
		const copy = (o, names, self) => names.split(' ').forEach(n => wrap(o, n, (f, t, a) => {
			a = sv(a);
			dry(self ? t : t.parentNode, cp => f.apply(cp(t), a.map(cp)));
			return f.apply(t, a);
		}));
		copy(w.CharacterData.prototype, 'deleteData remove before after replaceWith');
		copy(El, 'remove before after replaceWith');
		copy(N, 'removeChild normalize insertBefore replaceChild', 1);
		copy(El, 'insertAdjacentText prepend replaceChildren', 1);
		'insertNode surroundContents deleteContents extractContents'.split(' ').forEach(n => wrap(w.Range.prototype, n, (f, t, a) => {
			const c = t.commonAncestorContainer;
			dry(c.localName == 'style' ? c : c.parentNode, cp => {
				const r = new w.Range();
				r.setStart(cp(t.startContainer), t.startOffset);
				r.setEnd(cp(t.endContainer), t.endOffset);
				f.apply(r, a.map(cp));
			});
			return f.apply(t, a);
		}));

		// Insertions: what goes into the document is scanned first; a frame
		// inserted is patched before the call returns.
		const insert = (o, names, all) => names.split(' ').forEach(n => wrap(o, n, (f, t, a) => {
			frame = 0;
			a = sv(a);
			const l = all ? a : a.slice(0, 1);
			l.forEach(x => x && x.nodeType && (dry(x.parentNode, cp => rc.call(cp(x.parentNode), cp(x))), scan(x)));
			textSet(t, () => t.textContent + l.map(x => x && x.nodeType ? x.textContent : x).join(''));
			const r = f.apply(t, a);
			if (frame) frames();
			return r;
		}));
		insert(N, 'appendChild insertBefore replaceChild');
		insert(El, 'append prepend before after replaceWith replaceChildren insertAdjacentElement', 1);
		insert(Dp, 'append prepend replaceChildren', 1);
		insert(w.DocumentFragment.prototype, 'append prepend replaceChildren', 1);
		insert(w.CharacterData.prototype, 'before after replaceWith', 1);
		insert(w.Range.prototype, 'insertNode surroundContents');
		insert(Dp, 'importNode adoptNode');
		// A copy of a script the document has seen never runs (it is marked
		// as started, as the original).
		const copied = (t, r) => (t.isConnected && r.querySelectorAll && [r, ...r.querySelectorAll('script')].forEach(s => s.localName == 'script' && dead(s)), r);
		wrap(N, 'cloneNode', (f, t, a) => copied(t, f.apply(t, a)));
		wrap(Dp, 'importNode', (f, t, a) => copied(a[0], f.apply(t, a)));
		const html = (o, p, i, run) => wrap(o, p, (f, t, a) => {
			frame = 0;
			a[i] = clean(a[i], i && /^(afterbegin|beforeend)$/i.test(a[0]) ? t : i && t.parentNode, run);
			const r = f.apply(t, a);
			if (frame) frames();
			return r;
		});
		for (const o of [El, w.ShadowRoot.prototype]) {
			setter(o, 'innerHTML', (e, v, f) => {
				frame = 0;
				v = pass(v, str(v));
				f.call(e, /^(script|style|textarea|title|xmp|template)$/.test(e.localName) ? (textSet(e, () => str(v)), v) : clean(v, e));
				if (frame) frames();
			});
			html(o, 'setHTMLUnsafe', 0);
			html(o, 'setHTML', 0);
		}
		setter(El, 'outerHTML', (e, v, f) => f.call(e, clean(v)));
		html(El, 'insertAdjacentHTML', 1);
		html(w.Range.prototype, 'createContextualFragment', 0, 1);
		// The parsers that make declarative shadow roots (a closed one is
		// out of reach once made): their markup is held as setHTMLUnsafe's.
		html(w.Document, 'parseHTMLUnsafe', 0);
		html(w.Document, 'parseHTML', 0);
		// Editing: insertHTML's markup as innerHTML's, insertImage's URL as an <img>'s.
		wrap(Dp, 'execCommand', (f, t, a) => {
			const k = a[0] = String(a[0]).toLowerCase();
			if (k == 'insertimage' && a[2] != null && drop(srcCat(a[2] = str(a[2])), 'img')) return false;
			if (k == 'inserthtml') a[2] = clean(a[2]);
			const r = f.apply(t, a);
			frames();
			return r;
		});
		// XSLT: the output is made in an inert document (an <img> made in
		// this one would load at once) and scanned as it is adopted.
		if (w.XSLTProcessor) wrap(w.XSLTProcessor.prototype, 'transformToFragment', (f, t, a) => {
			const r = f.call(t, a[0], w.document.implementation.createHTMLDocument(''));
			return r && Dp.adoptNode.call(a[1], r);
		});
		// document.write: a tag, comment, or element of raw text (a script's)
		// cut at the end of one write waits for the next (cut: where it
		// starts), and comes out as it is (as a held element if it would
		// load) when the script that wrote ends or the document is closed.
		// An inline script released on a grant runs after its time: there is
		// no parser to write into, and the native write would open a new
		// document (the page gone, as a Baidu or comScore snippet did); what
		// it writes goes after it instead, where the parser would have put it.
		let rest = '', rs;
		const dw = Dp.write, put = (t, x, c) => {
			let m = wrote.get(c), r;
			if (m) {
				// (A script it writes writes after itself in turn.)
				if (m == 1) wrote.set(c, m = new Text), c.after(m);
				const f = D.createRange().createContextualFragment(x);
				for (const s of f.querySelectorAll('script')) wrote.set(s, 1);
				m.before(f);
			} else r = dw.call(t, x);
			frames();
			return r;
		};
		// (What is flushed is never left for the page's markup to finish
		// with what it would load: cleaned as it ends in each way it can.)
		const out = t => {
			const h = rest, z = h && ['>', '">', "'>"].map(y => clean(h + y, 0, 1)).find((z, i) => z != h + ['>', '">', "'>"][i]);
			rest = '';
			if (h) put(t, z == null ? h : z, rs);
		};
		for (const n of ['write', 'writeln']) wrap(Dp, n, (f, t, a) => {
			if (a.some(x => typeof x == 'symbol')) return f.apply(t, a);
			const h = rest + a.map(String).join('') + (n == 'write' ? '' : '\n'), s = cut(h);
			rest = s < 0 ? '' : h.slice(s);
			rs = D.currentScript;
			if (rest) queueMicrotask(() => out(t));
			return put(t, clean(s < 0 ? h : h.slice(0, s), 0, 1), rs);
		});
		wrap(Dp, 'close', (f, t, a) => (out(t), f.apply(t, a)));
		// A frame's window as soon as script asks for it, and at each load (a
		// frame that navigates again gets a new window; the load event
		// reaches the capturing listener of watch, below, before the frame's
		// own).
		for (const C of [w.HTMLIFrameElement, w.HTMLFrameElement, w.HTMLObjectElement]) ['contentWindow', 'contentDocument'].forEach(p => def(C.prototype, p, d => ({
			get() {
				const r = d.get.call(this);
				try {
					install(r.defaultView || r);
				} catch (e) {}
				return r;
			}
		})));
		// The backstop: whatever arrives by another way (the parser,
		// contenteditable), changes a <style>'s text, or sets a style
		// property (el.style.background = ..., which no setter sees; the
		// image loads at the next rendering, after this observer).
		const mo = new w.MutationObserver(l => {
			frame = 0;
			l.forEach(m => {
				const e = m.target, p = e.parentNode, v = m.attributeName && e.getAttribute('style'), c = v && cssCat(v, e.baseURI);
				m.addedNodes.forEach(n => scan(n, 1));
				if (m.type == 'characterData' && p && p.localName == 'style') textSet(p, () => p.textContent);
				if (drop(c, e.localName)) neut(e, c, [['style', v]]);
			});
			if (frame) frames();
		});
		// A document and every shadow root made in it: watched, and the
		// frames that load in them patched.
		const watch = r => {
			mo.observe(r, {childList: true, subtree: true, characterData: true, attributeFilter: ['style']});
			// A held frame's load (of the about:blank it shows) does not
			// reach the page: its load comes when it is let in.
			r.addEventListener('load', e => FR.test(e.target.localName) && (e.target.contentWindow, live(e.target) || e.stopPropagation()), true);
		};
		watch(w.document);
		wrap(El, 'attachShadow', (f, t, a) => {
			const r = f.apply(t, a);
			watch(r);
			return r;
		});
		frames();
	};
	const cd = gopd(Document.prototype, 'cookie');
	install(W);

	// A grant activates what it allows in document order (then what was held
	// while not in the document), one after the other: a script that was
	// parser-blocking runs after the scripts before it have loaded and run (or
	// failed to; one the browser never fetches is not waited for, nor an async
	// one, and one that throws does not stop the rest); other elements get their
	// attributes back (a media element reloads its sources). The attributes
	// are set through the guard again, so what another refused category
	// still holds stays held.
	const IMP = /(@import\s*(?:url\(\s*)?["']?)data:,/gi;
	// A style the server keeps active (data-consent-inert) has data:, written
	// before each URL that would load from a host not granted then. give
	// takes away those no category refuses any more; f gets the category of
	// each still refused. A data:, before a URL of no blocked host is the
	// page's own.
	const give = (v, b, f) => v.replace(/data:,/g, (m, i) => {
		const re = /["']/.test(v[i - 1]) ? /[^'"]*/y : /[^)\s]*/y;
		re.lastIndex = i + 6;
		const u = unesc(re.exec(v)[0]), d = /^\s*data:/i.test(u) && decode(u), c = d ? textCat(d) : srcCat(u, b);
		return c ? (f(c), m) : d || srcCat(u, b, 1) ? '' : m;
	});
	const prep = e => {
		const l = [], s = e.localName == 'script' && e.isConnected;
		let t = null, inert = 0;
		for (const a of [...e.attributes]) if (a.name.startsWith(DC)) {
			ra.call(e, a.name);
			if (a.name == DC + '-type') t = a.value;
			else if (a.name == DC + '-inert') inert = 1;
			// (The server writes xlink:href as data-consent-xlink-href.)
			else if (a.name != DC) l.push([a.name == DC + '-xlink-href' ? 'xlink:href' : a.name.slice(13), a.value]);
		}
		// A script is async as the browser made it: one of markup (the
		// server's, document.write's) by its attribute, one a script made
		// (which the guard held: in held) by its flag.
		const as = held.has(e) ? e.async : e.hasAttribute('async');
		held.delete(e);
		// A script the document has seen never runs again: a fresh copy
		// takes its place.
		const n = s ? D.createElementNS(e.namespaceURI, 'script') : e;
		if (s) {
			for (const a of e.attributes) if (a.name != 'type') n.setAttributeNS(a.namespaceURI, a.name, a.value);
			n.nonce = e.nonce;
			as || (n.async = false);
		}
		const put = () => {
			if (e.localName == 'style') {
				// What another category still refuses stays held: a URL of a style
				// kept active stays inert (the style names its category), a style
				// held back whole stays held back. The server writes data:, before
				// each @import URL of a style it holds whole too (Chromium's preload
				// scanner reads @import whatever the type).
				// (A style kept active that the guard then held back whole, for a
				// URL a script wrote into it, is both.)
				let left;
				const whole = e.getAttribute('type') == 'text/plain', v = e.textContent, r = inert ? give(v, e.baseURI, c => left = left || c) : v.replace(IMP, '$1');
				left = left || whole && cssCat(r, e.baseURI);
				if (left) at(e, DC, left), inert && at(e, DC + '-inert', ''), whole && at(e, DC + '-type', t);
				if ((!left || inert && !whole) && r != v) e.textContent = r;
				if (left || inert && !whole) return;
			}
			if (/^(script|style)$/.test(e.localName)) at(n, 'type', t);
			l.forEach(x => x[0] == 'xlink:href' ? n.setAttributeNS(XL, x[0], x[1]) : n.setAttribute(x[0], x[1]));
			const m = e.parentNode;
			if (e.localName == 'source' && m && m.load) m.load();
		};
		if (!s) return put;
		return () => new Promise(r => {
			// What it writes goes after it, external or inline: Chromium
			// ignores the write of a script inserted by code.
			wrote.set(n, 1);
			// Its load or error reaches the element the page knows (its
			// handlers: property, attribute, listeners), once; the copy's
			// own handler attributes do not fire.
			if (!l.length) n.textContent = e.textContent, r();
			else n.onload = n.onerror = v => r(e.dispatchEvent(new Event(v.type)));
			put();
			e.replaceWith(n);
			// A script the browser does not fetch fires neither event: the
			// next must not wait for it for ever; nor does the next wait for
			// an async one.
			if (as || !fetches(n, t)) r();
		});
	};
	// fetches: whether a fresh external script fetches (and so fires load or
	// error), as the browser decides: a classic script or a module (the
	// server also holds a type with parameters, "text/javascript;
	// charset=utf-8", which no browser runs, and a nomodule script), not a
	// classic script marked nomodule or bound to another event than the
	// window's load (for/event), not held again for a category still refused.
	const JS = /^(|module|(text|application)\/(x-)?(java|ecma)script|text\/javascript1\.[0-5]|text\/(jscript|livescript))$/i;
	const fetches = (n, t) => {
		const g = k => n.getAttribute(k), l = g('language'), ty = (t != null ? t : l ? 'text/' + l : '').trim(), f = g('for'), v = g('event');
		// (Of the types JS accepts only module starts with m.)
		return !n.hasAttribute(DC) && JS.test(ty) && (/^m/i.test(ty) || g('nomodule') == null && (f == null || v == null || /^\s*window\s*$/i.test(f) && /^\s*onload(\(\))?\s*$/i.test(v)));
	};
	// The server writes data:, before a refused URL in a CSS attribute (and
	// leaves the element unmarked); so it does after the first 64 KiB of a
	// style whose start went out unmarked. Those are given back on a grant,
	// once what was held has been put back (an element the guard held for a
	// URL a script wrote into its style gets its style back first).
	const giveCSS = () => {
		for (const e of D.querySelectorAll('style:not([' + DC + '])')) {
			const v = e.textContent, r = give(v, e.baseURI, () => 0);
			if (r != v) e.textContent = r;
		}
		for (const e of D.querySelectorAll(CA.map(k => '[' + k + '*="data:,"]:not([' + DC + '])'))) for (const k of CA) {
			const v = e.getAttribute(k), r = v && give(v, e.baseURI, () => 0);
			if (r != v) e.setAttribute(k, r);
		}
	};
	const act = () => {
		const l = [...D.querySelectorAll('[' + DC + ']')];
		held.forEach(e => e.isConnected || l.push(e));
		return l.filter(e => G.has(e.getAttribute(DC))).map(prep).reduce((q, f) => q.then(f).catch(() => {}), Promise.resolve()).then(giveCSS);
	};

	// Deletion: a storage key that may not be kept is removed, and a cookie
	// expired in every variant this page could see it in: host-only and for
	// each parent domain, for each path that covers this page (with and
	// without a trailing slash); on HTTPS also Secure and Partitioned. Done
	// on withdrawal and on every page load (a cookie on another path is seen
	// when its path is visited; the storage of another subdomain of a shared
	// consent, or from before the proxy, when that origin is visited). A
	// document of an opaque origin (a sandboxed frame: WordPress's post
	// embeds) has no cookies or storage, and reading them throws.
	const purge = () => {
		for (const s of ['localStorage', 'sessionStorage']) try {
			// A copy of the keys first: removeItem reorders what key(i) returns.
			const st = W[s];
			for (const k of Object.keys(st)) if (!keyOK(k)) st.removeItem(k);
		} catch (e) {}
		if (W.origin == 'null') return;
		const h = location.hostname.split('.'), p = location.pathname, ps = ['/'], sec = location.protocol == 'https:' ? ['', ';secure', ';secure;partitioned'] : [''];
		for (let i = 2; i <= p.length && ps.length < 20; i++) if (i == p.length || p[i] == '/' || p[i - 1] == '/') ps.push(p.slice(0, i));
		for (let kv of cd.get.call(D).split(';')) {
			const i = (kv = kv.trim()).indexOf('='), n = i < 0 ? '' : kv.slice(0, i).trim();
			if (kv && !cookieOK(n) && deny('cookie', n, cat(R.c, n))) h.forEach((x, j) => ps.forEach(q => sec.forEach(s => cd.set.call(D, (i < 0 ? kv : n + '=') + ';max-age=0;path=' + q + (j ? ';domain=' + h.slice(j - 1).join('.') : '') + s))));
		}
	};
	purge();
	// The categories the consent cookie grants: of those of this revision,
	// the newest, as the server reads them (none when none holds a choice; a
	// signature only the server can check). (A document of an opaque origin
	// throws on reading cookies.)
	const chosen = () => {
		let r = [], t = -1;
		try {
			for (const c of cd.get.call(D).split('; ')) {
				const p = c.slice(R.o.length + 1).split('.');
				if (c.startsWith(R.o + '=') && p.length > 4 && p[0] == '1' && p[1] == R.r + '' && +p[3] > t) t = +p[3], r = p[2].split(':');
			}
		} catch (e) {}
		return r;
	};

	// Google Consent Mode v2: everything but security denied before any tag; an
	// update when a choice exists and on every choice.
	const gt = function () {
		(W.dataLayer = W.dataLayer || []).push(arguments);
	};
	const gs = f => ({ad_storage: f('marketing'), ad_user_data: f('marketing'), ad_personalization: f('marketing'), analytics_storage: f('statistics'), functionality_storage: f('preferences'), personalization_storage: f('preferences')});
	const gcm = () => R.g && gt('consent', 'update', gs(c => G.has(c) ? 'granted' : 'denied'));
	if (R.g) {
		W.gtag = W.gtag || gt;
		gt('consent', 'default', Object.assign(gs(() => 'denied'), {security_storage: 'granted'}));
		if (ds.given == '1') gcm();
	}

	W.consentgate = {
		given: ds.given == '1',
		gpc: ds.gpc == '1',
		lang: ds.lang,
		granted: () => [...G],
		// Under source own a grant lets in only what the consent cookie grants
		// now (read with the native getter): the server sets it when the
		// visitor chooses, and no script can write it. Under another source
		// the site's consent manager grants.
		grant(l) {
			const j = R.o && chosen();
			l.forEach(c => (!j || j.includes(c)) && G.add(c));
			for (const f of later.splice(0)) try {
				f();
			} catch (e) {}
			if (!j || j.length) this.given = true;
			gcm();
			return act();
		},
		revoke(l) {
			l.forEach(c => c != 'necessary' && G.delete(c));
			this.given = true;
			gcm();
			purge();
			flush();
		}
	};
}
