// consentgate banner: enhances the banner, whose forms work without it.
// A choice is posted as JSON; the banner closes and what the choice grants is
// activated by the guard (window.consentgate) without a reload. A choice that
// refuses something granted before (a withdrawal) deletes the script-visible
// cookies and storage of what is refused and reloads, so that nothing already
// running keeps going. The "cookie settings" link becomes a button that
// reopens the settings.
// Style: ES2017, whole-line comments only (they are stripped when served).
(() => {
	const D = document, root = D.getElementById('cg'), g = window.consentgate;
	if (!root) return;
	const $ = s => root.querySelector(s);
	const ban = $('.cg-banner'), det = $('.cg-settings'), close = $('.cg-close');
	let open = $('.cg-open'), reopened = false;

	const hide = () => {
		const focused = ban.contains(D.activeElement);
		ban.hidden = true;
		reopened = false;
		if (close) close.hidden = true;
		if (open) {
			open.hidden = false;
			if (focused) open.focus();
		}
	};
	const show = () => {
		ban.hidden = false;
		reopened = true;
		close.hidden = false;
		det.open = true;
		open.hidden = true;
		($('.cg-panel input:not([disabled])') || det.querySelector('summary')).focus();
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
		b.addEventListener('click', show);
		open.replaceWith(b);
		open = b;
	}
	if (close) close.addEventListener('click', hide);
	root.addEventListener('keydown', e => {
		if (e.key == 'Escape' && reopened) hide();
	});

	const stamp = t => t.slice(0, 16).replace('T', ' ') + ' UTC';
	const apply = j => {
		const now = j.categories || [], refused = g.granted().filter(c => !now.includes(c));
		if (refused.length) {
			g.revoke(refused);
			location.reload();
			return;
		}
		g.grant(now);
		root.querySelectorAll('input[name=category]').forEach(i => {
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

	root.addEventListener('submit', e => {
		const f = e.target, b = e.submitter || f.querySelector('button[name=choice]');
		if (f.dataset.plain || !g || !window.fetch) return;
		e.preventDefault();
		const choice = b ? b.value : 'custom';
		const categories = choice == 'custom' ? [...f.querySelectorAll('input[name=category]:checked')].map(i => i.value) : [];
		fetch(f.action, {
			method: 'POST',
			credentials: 'same-origin',
			headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({choice, categories})
		}).then(r => {
			if (!r.ok) throw new Error(r.status);
			return r.json();
		}).then(apply, () => {
			// The endpoint could not be reached by script: post the form itself.
			f.dataset.plain = 1;
			f.requestSubmit ? f.requestSubmit(b) : f.submit();
		});
	});
})();
