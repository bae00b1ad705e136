// consentgate guard: the first script of every page (a classic script right
// after <head>). The server writes the policy's rules before this code as the
// constant R:
//   R.c, R.s  declared cookie names (all types) and storage keys (type html):
//             {e: {category: "name;name"}, p: [[regexp, category]]}, the
//             patterns in the order the server tries them (longest literal first)
//   R.h       blocker hosts, "host" or "*.domain", and their category
//   R.i       inline-script markers and their category
//   R.k       cookie names that always pass (the consent cookie)
//   R.b       undeclared: block     R.g  Google Consent Mode on
// The visitor's state comes from this script tag's data attributes:
// data-granted (category ids), data-given and data-gpc (1 or 0), data-lang.
// Style: ES2017, whole-line comments only (they are stripped when served).
if (!window.consentgate) {
	const W = window, D = document, E = Element.prototype, DC = 'data-consent';
	const ds = (D.currentScript || {}).dataset || {};
	const G = new Set(['necessary'].concat((ds.granted || '').split(/[\s,]+/).filter(Boolean)));
	for (const m of [R.c, R.s]) {
		const x = new Map();
		for (const c in m.e) m.e[c].split(';').forEach(n => x.set(n, c));
		m.e = x;
		m.p = m.p.map(x => [new RegExp(x[0]), x[1]]);
	}
	const hosts = new Map(R.h);
	// A name's category: an exact name beats a pattern; undefined if undeclared.
	const look = (m, n) => {
		const x = m.p.find(x => x[0].test(n));
		return m.e.get(n) || x && x[1];
	};
	// Undeclared (undefined) and unclassified names pass only with undeclared: allow.
	const ok = c => c === undefined || c == 'unclassified' ? !R.b : G.has(c);
	const cookieOK = n => !!n && (R.k.includes(n) || ok(look(R.c, n)));

	// document.cookie: a write of a cookie whose category is not granted is
	// dropped, unless it deletes the cookie. The name is split as browsers do.
	const cd = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
	Object.defineProperty(Document.prototype, 'cookie', Object.assign({}, cd, {
		set(v) {
			const p = (v = String(v)).split(';')[0], i = p.indexOf('=');
			if (cookieOK(i < 0 ? '' : p.slice(0, i).trim()) || /;\s*max-age\s*=\s*[-0]/i.test(v) || Date.parse((/;\s*expires\s*=([^;]*)/i.exec(v) || [])[1]) < Date.now()) cd.set.call(this, v);
		}
	}));
	if (W.CookieStore) {
		const cs = CookieStore.prototype.set;
		CookieStore.prototype.set = function (a) {
			return cookieOK(String(a && a.name || a)) ? cs.apply(this, arguments) : Promise.resolve();
		};
	}
	// Storage: a declared key of a category not granted is not written.
	// Storage keys follow the policy as cookies do: declared keys need their
	// category, undeclared ones pass only with undeclared: allow (a site that
	// keeps working state in storage declares those keys as necessary).
	const si = Storage.prototype.setItem;
	Storage.prototype.setItem = function (k, v) {
		if (ok(look(R.s, String(k)))) si.call(this, k, v);
	};

	// Blockers: the category of a URL's host, "*.domain" matching the domain
	// and every subdomain; 0 when nothing matches or the category is granted.
	const srcCat = u => {
		let h, c;
		try {
			u = new URL(u, location.href);
			h = /^https?:$/.test(u.protocol) && u.hostname.replace(/\.$/, '');
		} catch (e) {}
		if (h) c = hosts.get(h);
		for (let d = h; d && !c; d = d.includes('.') && d.slice(d.indexOf('.') + 1)) c = hosts.get('*.' + d);
		return c && !G.has(c) && c;
	};
	const inCat = t => {
		const x = R.i.find(x => t.includes(x[0]));
		return x && !G.has(x[1]) && x[1];
	};
	const sa = E.setAttribute, ra = E.removeAttribute, TAGS = /^(script|iframe|img)$/;
	// at sets an attribute, or removes it when v is null; mv moves one.
	const at = (e, k, v) => v == null ? ra.call(e, k) : sa.call(e, k, v);
	const mv = (e, a, b) => {
		const v = e.getAttribute(a);
		if (v != null) at(e, b, v), at(e, a);
	};
	const held = new Set();
	// Hold an element back in the server's format: a script becomes type
	// text/plain (its type kept in data-consent-type); src and srcset move to
	// data-consent-src and -srcset; data-consent names the category.
	const neut = (e, c, s) => {
		if (!e.hasAttribute(DC)) {
			if (e.localName == 'script') mv(e, 'type', DC + '-type'), at(e, 'type', 'text/plain');
			mv(e, 'srcset', DC + '-srcset');
		}
		at(e, DC, c);
		if (s != null) at(e, DC + '-src', s), at(e, 'src');
		held.add(e);
	};
	// late: the element is in the document already (seen by the observer),
	// where holding a script back is too late and would make it run twice.
	const hold = (e, late) => {
		if (TAGS.test(e.localName) && !e.hasAttribute(DC) && !(late && e.localName == 'script')) {
			const s = e.getAttribute('src'), c = s != null ? srcCat(s) : e.localName == 'script' && inCat(e.textContent);
			if (c) neut(e, c, s);
		}
	};
	const scan = (n, late) => {
		if (n.nodeType == 1) hold(n, late);
		if (n.querySelectorAll) n.querySelectorAll('script,iframe,img').forEach(e => hold(e, late));
	};
	const wrap = (o, names, all) => names.split(' ').forEach(n => {
		const f = o[n];
		if (f) o[n] = function (...a) {
			(all ? a : a.slice(0, 1)).forEach(x => x && x.nodeType && scan(x));
			return f.apply(this, a);
		};
	});
	wrap(Node.prototype, 'appendChild insertBefore replaceChild');
	wrap(E, 'append prepend before after replaceWith insertAdjacentElement', 1);
	E.setAttribute = function (n, v) {
		const c = TAGS.test(this.localName) && String(n).toLowerCase() == 'src' && srcCat(String(v));
		return c ? neut(this, c, String(v)) : sa.call(this, n, v);
	};
	const prop = (o, p, f) => {
		const d = Object.getOwnPropertyDescriptor(o, p);
		Object.defineProperty(o, p, Object.assign({}, d, {
			set(v) {
				f(this, v, d.set);
			}
		}));
	};
	for (const C of [HTMLScriptElement, HTMLIFrameElement, HTMLImageElement]) prop(C.prototype, 'src', (e, v, f) => {
		const c = srcCat(String(v));
		c ? neut(e, c, String(v)) : f.call(e, v);
	});
	// HTML strings are parsed in an inert <template> first, so that what they
	// hold is held back before the document gets it (an <img> would load at once).
	const hd = Object.getOwnPropertyDescriptor(E, 'innerHTML');
	const clean = (h, raw) => {
		if (raw || !/<(script|iframe|img)/i.test(h)) return h;
		const t = D.createElement('template');
		hd.set.call(t, h);
		scan(t.content);
		return hd.get.call(t);
	};
	prop(E, 'innerHTML', (e, v, f) => f.call(e, clean(v, /^(script|style|textarea|title|xmp|template)$/.test(e.localName))));
	prop(E, 'outerHTML', (e, v, f) => f.call(e, clean(v)));
	const iah = E.insertAdjacentHTML;
	E.insertAdjacentHTML = function (p, h) {
		return iah.call(this, p, clean(h));
	};
	// The backstop: whatever arrives by another way (document.write, ranges).
	new MutationObserver(l => l.forEach(m => m.addedNodes.forEach(n => scan(n, 1)))).observe(D.documentElement, {childList: true, subtree: true});

	// A grant activates what it allows in document order (then what was held
	// while not in the document), one after the other: a script runs after the
	// scripts before it have loaded and run; iframes and images get src back.
	const prep = e => {
		const t = e.getAttribute(DC + '-type'), s = e.getAttribute(DC + '-src');
		ra.call(e, DC);
		ra.call(e, DC + '-type');
		mv(e, DC + '-srcset', 'srcset');
		held.delete(e);
		if (e.localName != 'script' || !e.isConnected) return () => {
			if (e.localName == 'script') at(e, 'type', t);
			mv(e, DC + '-src', 'src');
		};
		// A script the document has seen never runs again: a fresh copy
		// takes its place.
		ra.call(e, DC + '-src');
		const n = D.createElement('script');
		for (const a of e.attributes) if (a.name != 'type') sa.call(n, a.name, a.value);
		at(n, 'type', t);
		n.nonce = e.nonce;
		return () => new Promise(r => {
			if (s == null) n.text = e.textContent, r();
			else n.onload = n.onerror = r, sa.call(n, 'src', s);
			e.replaceWith(n);
		});
	};
	const act = () => {
		const l = [...D.querySelectorAll('script[data-consent],iframe[data-consent],img[data-consent]')];
		held.forEach(e => e.isConnected || l.push(e));
		return l.filter(e => G.has(e.getAttribute(DC))).map(prep).reduce((q, f) => q.then(f), Promise.resolve());
	};

	// Withdrawal: delete the script-visible cookies that are no longer allowed
	// (for the page's paths and every parent domain), and such storage keys.
	const purge = () => {
		const h = location.hostname.split('.'), ps = ['/'];
		location.pathname.split('/').slice(1, -1).reduce((a, s) => (ps.push(a += '/' + s), a), '');
		for (const kv of cd.get.call(D).split(';')) {
			const n = kv.split('=')[0].trim();
			if (n && !cookieOK(n)) h.forEach((x, i) => ps.forEach(p => cd.set.call(D, n + '=;max-age=0;path=' + p + (i ? ';domain=' + h.slice(i - 1).join('.') : ''))));
		}
		for (const s of ['localStorage', 'sessionStorage']) try {
			// A copy of the keys first: removeItem reorders what key(i) returns.
			const st = W[s];
			for (const k of Object.keys(st)) if (!ok(look(R.s, k))) st.removeItem(k);
		} catch (e) {}
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
		grant(l) {
			l.forEach(c => G.add(c));
			this.given = true;
			gcm();
			return act();
		},
		revoke(l) {
			l.forEach(c => c != 'necessary' && G.delete(c));
			this.given = true;
			gcm();
			purge();
		}
	};
}
