/* Who is practising: asks the trainee's name and team once (kept in this browser), or takes the
   sign-in link a trainer sent (/?signin=TOKEN), and tells the page's server which socket connection
   is this person, so their sessions show under their name in the trainer's cockpit.  Also links the
   rubric ("how scoring works") and, with a sign-in link, the trainee's own history in the cockpit.
   Self-contained: app.js only calls ParleyWhoami.connected(socketId) when the widget connects. */
(function () {
  'use strict';
  var KEY = 'parley.who';
  var who = load();
  var cockpit = '';
  var lastSender = null;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || 'null') || {}; } catch (e) { return {}; }
  }
  function save() { try { window.localStorage.setItem(KEY, JSON.stringify(who)); } catch (e) { /* private mode */ } }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function takeSigninLink() {
    var params = new URLSearchParams(window.location.search);
    var token = params.get('signin');
    if (!token) return;
    who = { token: token, name: '', team: '' };
    save();
    params.delete('signin');
    var rest = params.toString();
    window.history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : ''));
  }

  // What the trainee has typed into the form so far: a re-render (the rubric link arriving from /config.json, an
  // answer from the page server) must never wipe it, nor move the cursor out of the field they are typing in.
  function typed(box) {
    var kept = {};
    Array.prototype.forEach.call(box.querySelectorAll('#whoami-form input'), function (input) {
      kept[input.name] = { value: input.value, focused: document.activeElement === input };
    });
    return kept;
  }

  function render(message) {
    var box = document.getElementById('whoami');
    if (!box) return;
    var kept = typed(box);
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = false;
    var links = el('p', { 'class': 'whoami-links' });
    if (cockpit) {
      links.appendChild(el('a', { href: cockpit + '/rubric', target: '_blank', rel: 'noopener' },
        'How scoring works'));
      if (who.token) {
        links.appendChild(document.createTextNode(' \u00b7 '));
        links.appendChild(el('a', { href: cockpit + '/signin/' + encodeURIComponent(who.token), target: '_blank',
          rel: 'noopener', id: 'my-history' }, 'My practice history'));
      }
    }
    if (who.name || who.token) {
      var line = el('p', { id: 'whoami-name' });
      line.appendChild(document.createTextNode('Practising as '));
      line.appendChild(el('strong', {}, who.name || 'you (signed in by link)'));
      if (who.team) line.appendChild(document.createTextNode(' \u00b7 ' + who.team));
      line.appendChild(document.createTextNode(' '));
      var change = el('button', { type: 'button', 'class': 'link', id: 'whoami-change' }, 'Not you?');
      change.addEventListener('click', function () { who = {}; save(); render(); });
      line.appendChild(change);
      box.appendChild(line);
    } else {
      var form = el('form', { id: 'whoami-form', 'class': 'whoami-form' });
      form.appendChild(el('span', {}, 'Who are you? Your trainer sees your sessions under this name.'));
      var name = el('input', { name: 'name', maxlength: '100', placeholder: 'Your name', 'aria-label': 'Your name' });
      var team = el('input', { name: 'team', maxlength: '100', placeholder: 'Team (optional)', 'aria-label': 'Team' });
      var ok = el('button', { type: 'submit' }, 'Save');
      form.appendChild(name); form.appendChild(team); form.appendChild(ok);
      [name, team].forEach(function (input) {
        var was = kept[input.getAttribute('name')];
        if (was) input.value = was.value;
      });
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var n = name.value.replace(/\s+/g, ' ').trim();
        if (!n) { render('Type your name, or skip this and practise anonymously.'); return; }
        who = { name: n, team: team.value.replace(/\s+/g, ' ').trim(), token: '' };
        save();
        render();
        if (lastSender) identify(lastSender); else lookup();
      });
      box.appendChild(form);
    }
    if (message) box.appendChild(el('p', { 'class': 'error', role: 'alert' }, message));
    renderAssignments(box);
    box.appendChild(links);
    Object.keys(kept).forEach(function (field) {
      var input = box.querySelector('#whoami-form input[name="' + field + '"]');
      if (input && kept[field].focused) input.focus();
    });
  }

  // Open assignments first: each one picks its persona, difficulty and mode in the picker below.
  function renderAssignments(box) {
    var open = (who.assignments || []).filter(function (a) { return a && a.persona; });
    if (!open.length) return;
    var list = el('ul', { 'class': 'assignments', id: 'assignments', 'aria-label': 'Your open assignments' });
    open.forEach(function (a) {
      var item = el('li', { 'class': 'assignment' });
      var text = a.persona.replace(/_/g, ' ') + ' \u00b7 ' + a.difficulty + ' \u00b7 ' + a.mode + ' \u00b7 score ' +
        a.min_score + '+ \u00b7 due ' + String(a.due).replace('T', ' ') +
        (a.attempts_left === null || a.attempts_left === undefined ? '' : ' \u00b7 ' + a.attempts_left + ' attempt(s) left');
      item.appendChild(el('span', {}, text));
      var pick = el('button', { type: 'button', 'class': 'pick-assignment' }, 'Choose');
      pick.addEventListener('click', function () { choose(a); });
      item.appendChild(pick);
      list.appendChild(item);
    });
    box.appendChild(el('p', { 'class': 'assignments-title' }, 'Your assignments'));
    box.appendChild(list);
  }

  function choose(a) {
    var card = document.querySelector('label[data-persona="' + String(a.persona).replace(/"/g, '') + '"]');
    if (card) card.click();
    ['difficulty', 'mode'].forEach(function (name) {
      var input = document.querySelector('input[name="' + name + '"][value="' + String(a[name]).replace(/"/g, '') + '"]');
      if (input) { input.checked = true; input.dispatchEvent(new Event('change', { bubbles: true })); }
    });
    var start = document.getElementById('start');
    if (start) start.focus();
  }

  function lookup() {
    if (!(who.name || who.token)) return;
    post({ lookup: true, name: who.name || '', team: who.team || '', token: who.token || '' });
  }

  function post(body) {
    return fetch('/whoami', { method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (answer) {
        if (answer.ok) {
          who.name = answer.body.name || who.name; who.team = answer.body.team || who.team;
          who.assignments = answer.body.assignments || []; save(); render();
        } else {
          if (who.token) { who = {}; save(); }
          render(String(answer.body.error || 'Could not save who you are.'));
        }
      }, function () { render('Could not reach the page server to save who you are.'); });
  }

  function identify(sender) {
    if (!sender || !(who.name || who.token)) return;
    post({ sender: sender, name: who.name || '', team: who.team || '', token: who.token || '' });
  }

  window.ParleyWhoami = {
    connected: function (sender) { lastSender = sender || null; identify(lastSender); }
  };

  document.addEventListener('DOMContentLoaded', function () {
    takeSigninLink();
    render();
    lookup();
    fetch('/config.json', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (c) { cockpit = String(c.cockpit_url || '').replace(/\/+$/, ''); render(); }, function () {});
  });
})();
