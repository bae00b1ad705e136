// consentgate banner: enhances the banner and the placeholders, whose forms
// work without it. A choice is posted as JSON; the banner closes and what the
// choice grants is activated by the guard (window.consentgate) without a
// reload. A choice that refuses something granted before (a withdrawal)
// deletes the script-visible cookies and storage of what is refused and
// reloads, so that nothing already running keeps going. The "cookie settings"
// link becomes a button that reopens the settings. A choice made in another
// document of the site is taken up (below); in an iframe of a page of the
// site, the page asks, not the iframe. Embeds held back at run
// time get a placeholder like those the server writes, also in the same-origin
// frames a script of the page writes into (below); every placeholder gets
// the computed size of its embed and goes when the embed is let in.
// The banner and the placeholders live in shadow roots (see banner.css); the
// banner and the cookie-settings button are shown in the top layer.
// Style: ES2017, whole-line comments only (they are stripped when served).
(() => {
	const D = document, W = window, g = W.consentgate, host = D.getElementById('cg');
	// A browser without declarative shadow DOM leaves the <template>: attach it.
	const attach = h => {
		const t = h.querySelector(':scope > template[shadowrootmode]');
		if (!h.shadowRoot && t) {
			h.attachShadow({mode: 'open'}).append(t.content);
			t.remove();
		}
		return h.shadowRoot;
	};
	const sr = host && attach(host);
	if (!sr) return;
	// The page's </body> may come inside a wrapper it never closed: hidden, clipped,
	// or transformed (a fixed dialog in a transformed box moves with it). The host
	// goes to the end of the body itself.
	if (host.parentNode != D.body && D.body && D.body.localName == 'body') D.body.append(host);
	const $ = s => sr.querySelector(s);
	const ban = $('.cg-banner'), det = $('.cg-settings'), close = $('.cg-close'), sp = $('.cg-sp'), root = $('.cg');
	const data = JSON.parse(host.dataset.cg), css = new URL($('link').getAttribute('href'), location.origin).href;
	// The endpoint from the page's own origin: a <base href> cannot move it.
	const endpoint = location.origin + data.p + '/consent';
	let open = $('.cg-open'), reopened = false, opener;

	// The banner and the cookie-settings button are shown in the top layer (a
	// manual popover, once set up below): above the site's own bars whatever
	// their z-index, and in the viewport even where the page's root or body is
	// the containing block of fixed elements (a transform, contain). vis shows
	// or hides one; pin shows again one the page took out of the document and
	// put back (which closes a popover).
	const vis = (e, on) => {
		if (!e) return;
		e.hidden = !on;
		if (e.popover) try {
			on ? e.showPopover() : e.hidePopover();
		} catch (x) {}
	};
	const pin = () => [ban, open].forEach(e => e && e.popover && !e.hidden && !e.matches(':popover-open') && vis(e, true));

	// The spacer at the end of the page is as high as what covers the bottom
	// of the viewport, so that every part of the page can scroll above it.
	const fit = () => {
		const e = ban.hidden ? open : ban;
		sp.style.height = e && !e.hidden ? Math.max(0, D.documentElement.clientHeight - e.getBoundingClientRect().top) + 'px' : '0';
	};
	if (W.ResizeObserver) {
		const ro = new ResizeObserver(fit);
		ro.observe(ban);
		if (open) ro.observe(open);
	}
	W.addEventListener('resize', fit);

	const hide = () => {
		const focused = ban.contains(sr.activeElement);
		vis(ban, false);
		host.removeAttribute('tabindex');
		reopened = false;
		if (close) close.hidden = true;
		vis(open, true);
		if (focused) (opener && opener.isConnected ? opener : open || D.body).focus();
		opener = null;
		fit();
	};
	// A link opens on the keydown of Enter (the placeholders' settings link); the
	// keypress of that same Enter, which the system may deliver a moment later,
	// would then reach the settings' first control, and Enter on a checkbox submits
	// its form: a choice the visitor never made. The key that opened the settings
	// does nothing in them until it is released.
	let enter = false, spent = false;
	D.addEventListener('keydown', e => {
		if (e.key == 'Enter' && !e.repeat) enter = true, spent = false;
	}, true);
	D.addEventListener('keyup', e => {
		if (e.key == 'Enter') enter = spent = false;
	}, true);
	sr.addEventListener('keypress', e => spent && e.key == 'Enter' && e.preventDefault(), true);
	const show = from => {
		opener = from;
		spent = enter;
		vis(open, false);
		vis(ban, true);
		reopened = true;
		close.hidden = false;
		det.open = true;
		// The settings just opened may not take the focus before they are rendered:
		// once more on the next frame if it did not land.
		const first = $('.cg-cat input:not([disabled])') || det.querySelector('summary');
		first.focus();
		if (sr.activeElement != first) requestAnimationFrame(() => ban.hidden || first.focus());
		fit();
	};

	if (open && det) {
		const b = D.createElement('button');
		b.type = 'button';
		b.id = open.id;
		b.className = open.className;
		b.textContent = open.textContent;
		b.hidden = open.hidden;
		b.setAttribute('aria-haspopup', 'dialog');
		b.setAttribute('aria-controls', ban.id);
		b.addEventListener('click', () => show());
		open.replaceWith(b);
		open = b;
	}
	// In an iframe of a page of the site (a WordPress post embed, a widget of the
	// site's own), the banner and the settings link stay hidden: the visitor
	// chooses in the page around it, which hands the choice down (below). A frame
	// of a frameset, which has no page to show a banner in, keeps its own. So
	// does a document of an opaque origin (a sandboxed frame: WordPress embeds
	// posts so, on the site and on others), which can keep no choice: it has no
	// cookies, and the consent endpoint refuses its requests. So does a frame in
	// a page of another site, where the browser keeps no consent cookie: the
	// server marks it by hiding both the banner and the link (Page.Framed).
	// Those two (framed) can keep no choice: nothing there posts one, and
	// embeds held at run time get no placeholder.
	const framed = W.origin == 'null' || ban.hidden && open && open.hidden;
	try {
		if (framed || W.frameElement && W.frameElement.localName == 'iframe' && W.parent.consentgate) {
			ban.hidden = true;
			host.removeAttribute('tabindex');
			if (open) open.hidden = true;
			open = null;
		}
	} catch (e) {}
	if ('popover' in ban) [ban, open].forEach(e => {
		if (e) {
			e.popover = 'manual';
			vis(e, !e.hidden);
		}
	});
	if (close) close.addEventListener('click', hide);
	// Esc closes the settings and gives the focus back to what opened them.
	sr.addEventListener('keydown', e => {
		if (e.key != 'Escape') return;
		if (reopened) hide();
		else if (det && det.open) {
			det.open = false;
			det.querySelector('summary').focus();
		}
	});
	// The first Tab from the top of the page goes to the banner, even past a
	// site's own positive tabindex (the host's tabindex does it without script).
	const firstTab = e => {
		if (e.key != 'Tab') return;
		D.removeEventListener('keydown', firstTab, true);
		if (!e.shiftKey && !ban.hidden && (D.activeElement == D.body || !D.activeElement)) {
			e.preventDefault();
			ban.querySelector('a[href], button:not([hidden]), summary').focus();
		}
	};
	if (!ban.hidden) D.addEventListener('keydown', firstTab, true);

	const stamp = t => t.slice(0, 16).replace('T', ' ') + ' UTC';
	const apply = j => {
		const now = j.categories || [], refused = g.granted().filter(c => !now.includes(c));
		if (refused.length) {
			g.revoke(refused);
			location.reload();
			return;
		}
		g.grant(now);
		free();
		sr.querySelectorAll('input[name=category]').forEach(i => {
			i.checked = now.includes(i.value);
		});
		const info = $('.cg-info');
		if (info && j.id) {
			$('.cg-id').textContent = j.id;
			const t = $('.cg-date');
			t.dateTime = j.timestamp;
			t.textContent = stamp(j.timestamp);
			info.hidden = false;
			$('.cg-withdraw').hidden = false;
		}
		if (det) det.open = false;
		hide();
	};

	// Every form of ours, the banner's and the placeholders': a placeholder's
	// button (name=category) adds its category to those granted now.
	const submit = e => {
		const f = e.target, b = e.submitter || f.querySelector('button');
		if (framed) return e.preventDefault();
		if (f.dataset.plain || !g || !W.fetch) return;
		e.preventDefault();
		const grant = b.name == 'category', choice = grant ? 'custom' : b.value;
		const categories = grant ? g.granted().concat(b.value) : choice == 'custom' ? [...f.querySelectorAll('input[name=category]:checked')].map(i => i.value) : [];
		fetch(endpoint, {
			method: 'POST',
			credentials: 'same-origin',
			headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({choice, categories})
		}).then(r => {
			if (!r.ok) throw new Error(r.status);
			return r.json();
		}).then(choose, () => {
			// The endpoint could not be reached by script: post the form itself.
			f.dataset.plain = 1;
			if (grant) g.granted().forEach(c => add(f, 'category', c));
			f.requestSubmit ? f.requestSubmit(b) : f.submit();
		});
	};
	sr.addEventListener('submit', submit);

	// A choice made here reaches the other documents of this window that the site
	// made (a frameset's other frames, the page around a frame, the frames in it) at
	// once, before this one takes it up: the guard of each also guards the frames in
	// it, so one that still refused would hold back what this one lets in. One
	// without a banner (a frameset) has its guard told.
	const same = (a, b) => a.length == b.length && a.every(c => b.includes(c));
	const changed = j => !same(j.categories || [], g.granted()) || j.id && !ban.hidden && !reopened;
	const spread = j => {
		const now = j.categories || [];
		const walk = w => {
			try {
				const c = w != W && w.consentgate;
				if (c && c.take) c.take(j);
				else if (c) {
					const refused = c.granted().filter(x => !now.includes(x));
					if (refused.length) c.revoke(refused);
					else c.grant(now);
				}
				for (let i = 0; i < w.frames.length; i++) walk(w.frames[i]);
			} catch (e) {}
		};
		walk(W.top);
	};
	// The cookies a choice made here sets are not news for refresh (below). A
	// document of an opaque origin (a sandboxed frame) throws on reading them.
	const ck = () => {
		try {
			return D.cookie;
		} catch (e) {
			return '';
		}
	};
	let seen = ck(), first = true;
	const choose = j => {
		spread(j);
		seen = ck();
		apply(j);
	};
	// The consent the cookie holds now, as the server reads it (of several, the
	// newest): its categories (those the policy has), id and time, or null for
	// no choice (none, another revision, malformed; a bad signature only the
	// server can tell).
	const jar = () => {
		let j = null, t = -1;
		for (const v of ck().split('; ')) {
			const p = v.slice(data.n.length + 1).split('.');
			if (v.startsWith(data.n + '=') && p.length > 4 && p[0] == '1' && p[1] == data.r && +p[3] > t) try {
				j = {categories: p[2].split(':').filter(c => c in data.c && c != 'necessary').concat('necessary'), id: p[4], timestamp: new Date(p[3] * 1e3).toISOString()};
				t = +p[3];
			} catch (e) {}
		}
		return j;
	};
	// A choice made in another document of this window (spread, above) is
	// taken up as the cookie holds it: whatever a caller passes, take shows
	// and lets in only the choice the server set.
	if (g) g.take = () => {
		const j = jar();
		return j && changed(j) && apply(j);
	};
	// Whether the cookie holds another consent than the one this page was made
	// for (the guard's tag says which): a page made before a choice and shown
	// after it (fetched ahead by the site's speculation rules, prerendered).
	const tag = D.querySelector('script[data-granted][data-given]');
	const stale = () => {
		const c = (jar() || {}).categories, d = tag.dataset, was = d.granted.split(' ').filter(x => x && x != 'necessary').concat('necessary');
		return c ? d.given != '1' || !same(c, was) : d.given == '1';
	};
	// A choice made in another tab, or in a page the back button leaves for this one
	// (kept in the back-forward cache), reaches this one when it is shown or focused
	// again: when the cookies changed since this page last looked, the consent is read
	// from the server and, if it is not what this page was made for, taken up as a
	// choice made here would be (the banner closes and what it grants is let in; a
	// withdrawal reloads). So does a choice made before this page was shown: when it
	// is first shown, the cookie is compared with the consent the page was made for.
	const refresh = () => {
		if (!g || !W.fetch || D.visibilityState == 'hidden' || D.prerendering) return;
		const made = first && tag && stale();
		first = false;
		if (ck() == seen && !made) return;
		seen = ck();
		fetch(endpoint, {credentials: 'same-origin'}).then(r => r.ok ? r.json() : null).then(j => j && changed(j) && choose(j), () => {});
	};
	D.addEventListener('visibilitychange', refresh);
	D.addEventListener('prerenderingchange', refresh);
	W.addEventListener('focus', refresh);
	W.addEventListener('pageshow', e => e.persisted && refresh());
	refresh();

	// --- placeholders
	const SEL = ':is(iframe,video,audio,embed,object)[data-consent]';
	const el = (tag, cls, text, parent) => {
		const n = parent.ownerDocument.createElement(tag);
		n.className = cls;
		n.textContent = text;
		parent.append(n);
		return n;
	};
	const add = (f, name, value) => {
		const i = el('input', '', '', f);
		i.type = 'hidden';
		i.name = name;
		i.value = value;
	};
	// One for an embed held back at run time, as the server writes them.
	const make = e => {
		const cat = e.dataset.consent, h = e.ownerDocument.createElement('span'), s = h.attachShadow({mode: 'open'});
		let src = '';
		try {
			src = new URL(e.dataset.consentSrc || e.dataset.consentData, e.baseURI).hostname.replace(/^www\./, '');
		} catch (x) {}
		const fill = t => t.replace('{host}', src).replace('{category}', data.c[cat] || cat);
		h.className = 'cg-ph';
		h.dataset.cgPh = cat;
		const l = el('link', '', '', s);
		l.rel = 'stylesheet';
		// The page's style nonce, which the server put on the banner's own link: a
		// Content-Security-Policy with style-src 'nonce-…' and no 'self' blocks the
		// sheet without it.
		l.nonce = $('link').nonce;
		l.href = css;
		const ph = el('span', 'ph', '', s), inner = el('span', 'ph-in', '', ph);
		ph.lang = host.lang;
		ph.dir = root.dir;
		if (src) el('strong', 'ph-t', fill(data.t), inner);
		el('span', 'ph-x', fill(data.x), inner);
		const f = el('form', 'ph-f', '', inner);
		f.method = 'post';
		f.action = endpoint;
		// (In a frame the page wrote, the form posted without script comes back to the page.)
		if (e.ownerDocument != D) f.target = '_top';
		add(f, 'return', location.pathname + location.search);
		add(f, 'choice', 'custom');
		const b = el('button', 'ph-b', fill(data.a), f);
		b.name = 'category';
		b.value = cat;
		el('a', 'ph-a', data.s, inner).href = location.origin + data.d;
		return h;
	};
	// The embed's own size: its computed values while held back (display:
	// none keeps percentages as they are), its display as it would be shown.
	// An embed the site hides, or of 2 pixels or less, gets no placeholder.
	const PROPS = 'width height aspectRatio minWidth minHeight maxHeight boxSizing paddingTop paddingRight paddingBottom paddingLeft borderTopWidth borderRightWidth borderBottomWidth borderLeftWidth marginTop marginRight marginBottom marginLeft verticalAlign float position top right bottom left zIndex'.split(' ');
	const size = (ph, e) => {
		const c = getComputedStyle(e), v = {};
		PROPS.forEach(p => {
			v[p] = c[p];
		});
		e.setAttribute('data-cg-m', '');
		const d = c.display, vis = c.visibility;
		e.removeAttribute('data-cg-m');
		const px = s => /px$/.test(s) && parseFloat(s) <= 2;
		if (d == 'none' || vis == 'hidden' || px(v.width) || px(v.height)) return false;
		if (v.width == 'auto') v.width = '300px';
		if (v.height == 'auto' && v.aspectRatio == 'auto') v.height = e.localName == 'audio' ? '54px' : '150px';
		if (c.maxWidth == 'none') delete v.maxWidth;
		Object.assign(ph.style, v);
		ph.style.display = /^(inline|ruby|contents)/.test(d) ? 'inline-grid' : 'grid';
		ph.classList.add('ph-sized');
		return true;
	};
	const setup = (h, e) => {
		h.cg = 1;
		const s = h.shadowRoot, a = s.querySelector('.ph-a');
		s.addEventListener('submit', submit);
		// The settings open after the click is done: a link activated by
		// Enter would take the focus back.
		if (det) a.addEventListener('click', x => {
			x.preventDefault();
			setTimeout(() => show(a));
		});
		if (!size(s.querySelector('.ph'), e)) {
			h.remove();
			e.cgNone = 1;
		}
	};
	// The documents whose embeds get placeholders: this one and, at any depth, the
	// same-origin frames the guard patched, which have no guard of their own (an
	// about:blank frame a script writes into: WordPress's block editor writes each
	// embed's preview so). A page of the site in a frame has its own banner.js;
	// neither it nor its frames are ours. Each is watched (mo, below), with the
	// style sheet's document-level rule put in once an embed is held there.
	const ours = new WeakSet();
	const docs = (w = W, l = [D]) => {
		for (let i = 0; i < w.frames.length; i++) try {
			const f = w.frames[i], c = f.consentgate, d = f.document;
			if (c && (c.take || d.getElementById('cg'))) continue;
			if (!c) {
				l.push(d);
				if (!ours.has(d)) {
					ours.add(d);
					watch(d);
				}
			}
			docs(f, l);
		} catch (x) {}
		return l;
	};
	// What the guard held in those frames it does not let in on a grant (it looks in
	// its own document): their embeds get their attributes back here, through the
	// guard's setters, which hold again what another category still refuses.
	const free = () => docs().forEach(d => d != D && d.querySelectorAll('[data-consent]').forEach(e => {
		if (/^(script|style)$/.test(e.localName) || !g.granted().includes(e.dataset.consent)) return;
		[...e.attributes].forEach(a => {
			const n = a.name;
			if (n.startsWith('data-consent')) {
				e.removeAttribute(n);
				if (n != 'data-consent') e.setAttribute(n.slice(13), a.value);
			}
		});
		const p = e.parentNode;
		if (e.localName == 'source' && p.load) p.load();
	}));
	const sync = () => docs().forEach(d => {
		d.querySelectorAll('[data-cg-ph]').forEach(h => {
			const e = h.nextElementSibling;
			if (!e || !e.matches(SEL) || e.cgNone || !attach(h)) h.remove();
			else if (!h.cg) setup(h, e);
		});
		d.querySelectorAll(SEL).forEach(e => {
			const p = e.previousElementSibling;
			if (d != D && !d.querySelector('link[href="' + css + '"]')) {
				const l = el('link', '', '', d.head || d.documentElement);
				l.rel = 'stylesheet';
				l.nonce = $('link').nonce;
				l.href = css;
			}
			if (!e.cgNone && !(p && p.cg)) {
				const h = make(e);
				e.before(h);
				setup(h, e);
			}
		});
	});
	// Added or removed embeds and frames, and data-consent, in each document; a
	// frame's new document when it loads.
	const mo = new MutationObserver(ms => {
		pin();
		if (ms.some(m => m.type == 'attributes' || [...m.addedNodes, ...m.removedNodes].some(n => n.nodeType == 1 && (n.matches(ANY) || n.querySelector(ANY))))) sync();
	}), ANY = SEL + ',iframe,frame';
	const watch = d => {
		mo.observe(d, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-consent']});
		d.addEventListener('load', e => /^i?frame$/.test(e.target.localName) && sync(), true);
	};
	if (!framed) {
		watch(D);
		sync();
	}
	fit();
})();
