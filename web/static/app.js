/* Parley's trainee page around the rasa-webchat widget (socket.io channel of the Rasa server).
 *
 * The widget carries the conversation: the session starts with its initPayload
 * `/start_session{"persona": ..., "difficulty": ..., "mode": ...}` (the session contract), the
 * trainee types into it, and `/end_session` goes through it too.  Every bot message also reaches
 * `receive()` through the widget's `onSocketEvent.bot_uttered` hook; custom payloads (briefing,
 * turn_feedback, report) are drawn beside the chat.
 *
 * The page also speaks for itself where the server's shared texts assume a typing channel: hints
 * that say "send /end_session" or "Start one with /start_session{...}" are reworded to point at the
 * page's buttons (`pageText`) before the widget draws them.  Rasa's reachability is checked as soon
 * as the page loads (and again on Start), so an unreachable trainer is reported up front, retried,
 * and the buttons that cannot work are disabled.
 *
 * Safety: data from the server (persona files, the trainee's own words quoted back) is only ever
 * put into the page with textContent / createElement / setAttribute on fixed attribute names, never
 * as HTML; the page's Content-Security-Policy forbids inline script anyway.
 */
(function () {
  'use strict';

  var STORAGE_KEY = 'chat_session'; // rasa-webchat keeps its conversation here (params.storage)
  var RETRY_MS = 5000; // how often an unreachable trainer is tried again while the picker is shown
  var PROBE_TIMEOUT_MS = 4000;
  var END_LABEL = '\u201cEnd session and get my report\u201d';
  var state = { config: null, catalog: null, persona: null, difficulty: null, mode: 'practice',
                widget: null, turns: 0, currency: '$', unit: 'unit', ended: false,
                reachable: false, retryTimer: null, connected: false, everConnected: false, started: false,
                lost: false };

  // -- tiny DOM helpers: text only, attribute names fixed in this file ----------------------------
  function h(tag, opts, children) {
    var node = document.createElement(tag);
    opts = opts || {};
    if (opts.className) node.className = opts.className;
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.attrs) {
      Object.keys(opts.attrs).forEach(function (name) { node.setAttribute(name, String(opts.attrs[name])); });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function str(value) { return value === undefined || value === null ? '' : String(value); }
  // a pasted essay is quoted by its start: the report stays readable
  function clip(text, limit) { return text.length > limit ? text.slice(0, limit - 1) + '\u2026' : text; }
  function num(value, fallback) { var n = Number(value); return isFinite(n) ? n : (fallback || 0); }
  function pct(value) { return Math.max(0, Math.min(100, Math.round(num(value)))); }
  function list(value) { return Array.isArray(value) ? value : []; }
  function obj(value) { return value && typeof value === 'object' && !Array.isArray(value) ? value : {}; }
  function money(value) {
    var n = num(value, NaN);
    if (!isFinite(n)) return '?';
    return state.currency + (Math.round(n * 100) % 100 === 0 ? n.toFixed(0) : n.toFixed(2));
  }
  function signed(n) { n = Math.round(num(n)); return (n > 0 ? '+' : '') + n; }
  function band(v) { return v >= 75 ? 'good' : v >= 50 ? 'fair' : 'weak'; }
  function status(text, kind) { var s = $('status'); s.textContent = text || ''; s.className = 'status ' + (kind || ''); }

  function meter(value, label) {
    var v = pct(value);
    var fill = h('span', { className: 'fill ' + band(v) });
    fill.style.width = v + '%'; // CSSOM, not an inline style attribute
    return h('span', { className: 'bar', attrs: { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
                                                  'aria-valuenow': v, 'aria-label': label } }, [fill]);
  }
  function chips(moves) {
    return h('span', { className: 'chips' }, list(moves).map(function (m) {
      return h('span', { className: 'chip', text: str(m).replace(/_/g, ' ') });
    }));
  }

  // -- picker ---------------------------------------------------------------------------------------
  function renderPicker() {
    var box = clear($('persona-list'));
    var personas = list(state.catalog.personas);
    if (!personas.length) {
      box.appendChild(h('p', { className: 'error', text: 'No personas are installed on this server.' }));
      return;
    }
    personas.forEach(function (p, i) {
      var input = h('input', { attrs: { type: 'radio', name: 'persona', value: str(p.id), id: 'persona-' + i } });
      input.dataset.difficulty = str(p.default_difficulty);
      if (i === 0) input.checked = true;
      var label = h('label', { className: 'persona-card', attrs: { 'for': 'persona-' + i } }, [
        h('span', { className: 'persona-name', text: p.name }),
        h('span', { className: 'persona-title', text: p.title }),
        h('span', { className: 'persona-about', text: p.customer })
      ]);
      label.dataset.persona = str(p.id);
      box.appendChild(h('div', { className: 'persona-option' }, [input, label]));
      input.addEventListener('change', function () { selectDifficulty(input.dataset.difficulty); });
    });
    var diffs = clear($('difficulty-list'));
    list(state.catalog.difficulties).forEach(function (d) {
      diffs.appendChild(h('label', null, [h('input', { attrs: { type: 'radio', name: 'difficulty', value: str(d) } }),
                                          ' ' + str(d).charAt(0).toUpperCase() + str(d).slice(1)]));
    });
    selectDifficulty(personas[0].default_difficulty);
  }

  // -- for trainers: the persona files' problems, live (page opened as /#trainer=<Rasa API token>) -----
  var PROBLEMS_MS = 3000;
  function trainerToken() {
    var found = /(?:^#|&)trainer=([^&]+)/.exec(window.location.hash || '');
    return found ? decodeURIComponent(found[1]) : '';
  }
  function getCatalog() {
    var token = trainerToken();
    if (!token) return getJSON('/personas.json');
    return fetch('/personas.json', { credentials: 'same-origin', cache: 'no-store',
                                     headers: { 'X-Parley-Trainer': token } }).then(function (r) {
      if (!r.ok) throw new Error('/personas.json: HTTP ' + r.status);
      return r.json();
    });
  }
  function renderProblems(problems) {
    var box = $('persona-problems');
    if (!box) {
      box = h('div', { className: 'alert problems', attrs: { id: 'persona-problems', role: 'alert' } });
      $('persona-list').parentNode.insertBefore(box, $('persona-list'));
    }
    problems = list(problems);
    box.hidden = !problems.length;
    clear(box);
    if (!problems.length) return;
    box.appendChild(h('p', { text: 'For trainers: a persona file has problems. Trainees keep the last good ' +
                                   'version until it is fixed ("parley personas check" says the same).' }));
    box.appendChild(h('ul', null, problems.map(function (p) {
      p = obj(p);
      var where = str(p.file) + (p.line ? ':' + str(p.line) : '') + (p.field ? ': ' + str(p.field) : '');
      return h('li', null, [h('code', { text: where }), ' ' + str(p.message)]);
    })));
  }

  function selectDifficulty(value) {
    var inputs = document.querySelectorAll('input[name="difficulty"]');
    Array.prototype.forEach.call(inputs, function (input) { input.checked = input.value === value; });
    if (!document.querySelector('input[name="difficulty"]:checked') && inputs.length) inputs[0].checked = true;
  }

  function checked(name) {
    var input = document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  }

  function onStart(event) {
    event.preventDefault();
    var id = checked('persona');
    var persona = list(state.catalog.personas).filter(function (p) { return p.id === id; })[0];
    if (!persona) { showPickerError('Pick a customer first.'); return; }
    if (!window.WebChat || typeof window.WebChat.default !== 'function') {
      showPickerError('The chat widget did not load (web/node_modules missing? run scripts/setup.sh).');
      return;
    }
    $('picker-error').hidden = true;
    $('start').disabled = true;
    // the trainer may have gone away since the page loaded: check again before leaving the picker
    checkTrainer().then(function (ok) { if (ok) begin(persona); });
  }

  function begin(persona) {
    state.persona = persona;
    state.difficulty = checked('difficulty') || persona.default_difficulty;
    state.mode = checked('mode') || 'practice';
    $('picker').hidden = true;
    $('session').hidden = false;
    $('coach-mode').textContent = state.mode === 'practice'
      ? 'Practice mode: after each of your turns the coach shows the moves it heard and a tip.'
      : 'Assessment mode: no coaching during the conversation; everything is in the report.';
    mountWidget();
    focusInput(300); // the widget's input is disabled until its socket connects: keep trying for 30 s
  }

  function showPickerError(text) { var e = $('picker-error'); e.textContent = text; e.hidden = false; }

  // -- is the trainer (Rasa) reachable? ----------------------------------------------------------
  // An opaque no-cors request to Rasa's root: it resolves on any HTTP answer and rejects when nothing
  // listens, which is all the page needs to know before it offers Start.
  function probeTrainer() {
    var url = str(state.config.socket_url).replace(/\/+$/, '') + '/';
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, PROBE_TIMEOUT_MS) : null;
    return fetch(url, { mode: 'no-cors', cache: 'no-store', credentials: 'omit',
                        signal: controller ? controller.signal : undefined })
      .then(function () { return true; }, function () { return false; })
      .then(function (ok) { if (timer) clearTimeout(timer); return ok; });
  }

  function checkTrainer() {
    if (state.retryTimer) { clearTimeout(state.retryTimer); state.retryTimer = null; }
    $('retry').disabled = true;
    $('retry').textContent = 'Checking\u2026';
    return probeTrainer().then(function (ok) { setReachable(ok); return ok; });
  }

  function setReachable(ok) {
    state.reachable = ok;
    $('retry').disabled = false;
    $('retry').textContent = 'Retry now';
    $('trainer-down-text').textContent = ok ? '' : 'Cannot reach the trainer at ' + str(state.config.socket_url) +
      '. Is the Rasa server running? (make run starts it.) Trying again every ' + RETRY_MS / 1000 + ' seconds.';
    $('trainer-down').hidden = ok;
    updateButtons();
    if (!ok) state.retryTimer = setTimeout(checkTrainer, RETRY_MS);
  }

  // Start needs the persona list and a reachable trainer; End needs a running session on a live socket.
  function updateButtons() {
    $('start').disabled = !(state.reachable && list(obj(state.catalog).personas).length);
    $('end-session').disabled = !(state.connected && state.started && !state.ended && !state.lost);
  }

  // -- keyboard focus --------------------------------------------------------------------------
  // The widget's input has autoFocus, but it is still disabled (not connected) when it mounts, so the
  // focus stays on the page.  Move it there once the input can take it, unless the trainee has put
  // the focus somewhere else meanwhile.
  // The trainer refuses messages over its limit (docs/security.md); the input stops there first.
  function limitInput() {
    var box = document.querySelector('#chat .rw-new-message');
    if (box) box.maxLength = Number(obj(state.config).max_message_chars) || 20000;
  }

  function focusInput(tries) {
    limitInput();
    var active = document.activeElement;
    if (active && active !== document.body && !$('picker').contains(active)) return;
    var box = document.querySelector('#chat .rw-new-message');
    if (box && !box.disabled && box.getClientRects().length) {
      box.focus();
      if (document.activeElement === box) return;
    }
    if (tries > 0) setTimeout(function () { focusInput(tries - 1); }, 100);
  }

  // -- the widget -----------------------------------------------------------------------------------
  function mountWidget() {
    var start = '/start_session' + JSON.stringify({ persona: state.persona.id, difficulty: state.difficulty,
                                                   mode: state.mode });
    status('Connecting to the trainer\u2026');
    window.WebChat.default({
      socketUrl: state.config.socket_url,
      socketPath: state.config.socket_path || '/socket.io/',
      initPayload: start,
      embedded: true,
      withRules: false,
      title: str(state.persona.name),
      subtitle: 'Customer \u00b7 ' + state.difficulty + ' \u00b7 ' + state.mode,
      inputTextFieldHint: 'Your reply to ' + str(state.persona.name) + '\u2026',
      connectingText: 'Connecting to the trainer\u2026',
      hideWhenNotConnected: false,
      showCloseButton: false,
      showFullScreenButton: false,
      displayUnreadCount: false,
      params: { storage: 'session' },
      customMessageDelay: function (text) { return Math.min(900, 250 + 8 * str(text).length); },
      innerRef: function (ref) { if (ref) state.widget = ref; },
      onSocketEvent: {
        bot_uttered: receive,
        connect: onConnect,
        disconnect: function () {
          state.connected = false;
          updateButtons();
          status('Connection to the trainer lost; is the Rasa server running? Reconnecting\u2026', 'bad');
        },
        connect_error: function () {
          state.connected = false;
          updateButtons();
          status('Cannot reach the trainer at ' + state.config.socket_url + '. Retrying\u2026', 'bad');
        }
      }
    }, $('chat'));
  }

  // Rasa's channel runs with session_persistence false: every socket connection is its own
  // conversation, so after a reconnect the trainer no longer knows this session.  Say so, and offer
  // a fresh start, instead of leaving buttons that would talk to nobody.
  function onConnect() {
    if (window.ParleyWhoami) window.ParleyWhoami.connected(this && this.id); // web/static/whoami.js
    state.connected = true;
    limitInput();
    if (state.everConnected && !state.ended) {
      state.lost = true;
      $('session-lost').hidden = false;
      status('Reconnected, but this conversation was lost with the connection.', 'bad');
    } else if (!state.lost) {
      status('Connected.', 'ok');
    }
    state.everConnected = true;
    updateButtons();
  }

  function send(payload) {
    if (state.widget && typeof state.widget.sendMessage === 'function') state.widget.sendMessage(payload);
  }

  // -- messages from the bot ------------------------------------------------------------------------
  // The server's texts are shared with the terminal, REST and Slack, where the trainee types commands.
  // On this page the buttons do that, so the hints are reworded here.  This hook runs before the
  // widget's own bot_uttered handler (rasa-webchat 1.0.1 registers onSocketEvent handlers first and
  // copies the message afterwards), so the bubble shows the page's wording.
  function pageText(text) {
    if (typeof text !== 'string') return text;
    if (text.indexOf('/start_session') >= 0) {
      if (state.ended) {
        return 'This session is over: your report is below the chat. Press \u201cStart again\u201d under the ' +
          'report to practise another conversation.';
      }
      if (state.lost) {
        return 'This conversation was lost when the connection dropped. Press \u201cStart again\u201d below the chat ' +
          'to pick a customer and start a new one.';
      }
      if (state.started && !/^(No practice session is running|There is no session to end)/.test(text)) {
        // e.g. "There is no persona called 'x'. ... Start with /start_session{...}" typed mid-session: the
        // session goes on, so keep what is true and drop only the command hint
        var kept = text.split(/(?<=[.!?])\s+/).filter(function (s) { return s.indexOf('/start_session') < 0; });
        return pageText(kept.join(' ') + ' Your practice session goes on: carry on with your reply.');
      }
      return 'No practice session is running for this page. Reload the page to pick a customer and start again.';
    }
    return text
      .replace(/\b(send|type)\s+\/end_session\b(\s+for your report)?/gi, function (all, verb) {
        return (verb.charAt(0) === verb.charAt(0).toUpperCase() ? 'Press ' : 'press ') + END_LABEL +
          ' below the chat';
      })
      .replace(/\/end_session\b/g, END_LABEL);
  }

  function receive(message) {
    if (message && typeof message === 'object' && typeof message.text === 'string') {
      message.text = pageText(message.text);
    }
    var custom = obj(obj(message).custom);
    if (custom.briefing) renderBriefing(obj(custom.briefing));
    if (custom.turn_feedback) addFeedback(obj(custom.turn_feedback));
    if (custom.report) renderReport(obj(custom.report));
    if (custom.retry) renderRetry(obj(custom.retry));
  }

  // "retry from this turn": the server replayed the session to just before that turn (the briefing came
  // with it); the report of the earlier try is put away and the coach's list continues from that turn
  function renderRetry(r) {
    $('report').hidden = true;
    state.ended = false;
    state.turns = Math.max(0, Math.round(num(r.from_turn)) - 1);
    updateButtons();
    var note = h('li', { className: 'feedback retry-note' }, [
      h('div', { className: 'feedback-head' }, [h('span', { className: 'turn-no', text: 'Retry from turn ' +
        (state.turns + 1) })]),
      h('p', { className: 'muted', text: 'Last time: \u201c' + clip(str(r.previous), 300) + '\u201d' }),
      r.better_line ? h('p', { className: 'tip', text: 'A better line: \u201c' + str(r.better_line) + '\u201d' }) : null
    ]);
    $('feedback-list').appendChild(note);
    focusInput(20);
  }

  function assessedNote(r) {
    if (typeof r.overall !== 'number') return 'not assessed: ' + str(r.not_assessed);
    var mark = obj(r.rubric).pass_mark;
    return typeof mark === 'number' ? (r.overall >= mark ? 'pass' : 'below the pass mark of ' + mark) : '';
  }

  function retryButton(command, turn) {
    var button = h('button', { className: 'retry-turn', attrs: { type: 'button' }, text: 'Retry from turn ' + turn });
    button.dataset.turn = String(turn);
    button.addEventListener('click', function () { send(command); });
    return button;
  }

  function renderBriefing(b) {
    state.currency = str(b.currency) || '$';
    state.turns = 0;
    state.ended = false;
    state.started = true;
    updateButtons();
    clear($('feedback-list'));
    var unit = str(b.unit) || 'unit';
    state.unit = unit;
    var price = money(b.list_price) + ' per ' + unit + (b.previous_price ? ' (was ' + money(b.previous_price) + ')' : '');
    var rows = [
      ['Customer', str(b.customer)],
      ['Situation', str(b.situation)],
      ['Product', str(b.product) + ', ' + price],
      ['Volume', b.monthly_volume ? 'about ' + num(b.monthly_volume) + ' a month' : ''],
      ['Your lowest price', money(b.floor_price) + ' per ' + unit]
    ];
    var dl = h('dl', { className: 'facts' });
    rows.forEach(function (row) {
      if (!row[1]) return;
      dl.appendChild(h('dt', { text: row[0] }));
      dl.appendChild(h('dd', { text: row[1] }));
    });
    var extras = list(b.tradables);
    dl.appendChild(h('dt', { text: 'Extras you may trade' }));
    dl.appendChild(h('dd', null, [extras.length
      ? h('ul', { className: 'extras' }, extras.map(function (t) { return h('li', { text: t }); }))
      : 'none']));
    var card = clear($('briefing'));
    card.appendChild(h('h2', { attrs: { id: 'briefing-title' }, text: 'Briefing' }));
    card.appendChild(h('p', { className: 'persona-heading', text: str(b.title || b.name) }));
    card.appendChild(h('p', { className: 'tags' }, [h('span', { className: 'tag', text: str(b.difficulty) }),
                                                     h('span', { className: 'tag', text: str(b.mode) + ' mode' })]));
    card.appendChild(dl);
    card.appendChild(h('div', { className: 'goal' }, [h('strong', { text: 'Your goal: ' }), str(b.goal)]));
    card.appendChild(h('p', { className: 'muted', text: str(b.name || 'The customer') +
      ' speaks first. Reply in the chat; end the session whenever you like to get your report.' }));
  }

  function addFeedback(f) {
    state.turns += 1;
    var points = Math.round(num(f.points));
    var item = h('li', { className: 'feedback ' + (points > 0 ? 'plus' : points < 0 ? 'minus' : 'zero') }, [
      h('div', { className: 'feedback-head' }, [
        h('span', { className: 'turn-no', text: 'Turn ' + state.turns }),
        h('span', { className: 'points', text: signed(points) + ' pts' })
      ]),
      chips(f.moves),
      f.tip ? h('p', { className: 'tip', text: str(f.tip) }) : null,
      f.feedback && f.feedback !== f.tip
        ? h('details', null, [h('summary', { text: 'What the coach heard' }),
                              h('p', { className: 'muted', text: str(f.feedback) })])
        : null
    ]);
    $('feedback-list').appendChild(item);
    item.scrollIntoView({ block: 'nearest' });
  }

  function renderReport(r) {
    if (r.currency) state.currency = str(r.currency);
    state.ended = true;
    updateButtons();
    var o = obj(r.outcome);
    var names = obj(r.criteria_names);
    var assessed = typeof r.overall === 'number';  // null: too short or off topic to assess
    $('overall-score').textContent = assessed ? String(pct(r.overall)) : 'not assessed';
    $('overall-score').className = 'score ' + (assessed ? band(pct(r.overall)) : 'weak not-assessed');
    $('overall-score').title = assessed ? '' : str(r.not_assessed);
    var rubric = obj(r.rubric);
    $('report-subtitle').textContent = [state.persona ? state.persona.name : str(r.persona), str(r.difficulty),
                                         state.mode, rubric.name ? 'scored with the \u2018' + str(rubric.name) +
                                         '\u2019 rubric' : '', assessedNote(r)].filter(Boolean).join(' \u00b7 ');

    var result;
    if (o.deal) result = 'Deal at ' + money(o.price) + ' per ' + state.unit;
    else if (o.ended_by === 'walked_away') result = 'No deal: the customer walked away';
    else result = 'No deal yet: the session ended';
    var terms = list(o.terms);
    var outcome = clear($('outcome'));
    [['Result', result, o.deal ? 'good' : 'weak'],
     ['Terms', terms.length ? terms.join(', ') : (o.deal ? 'price only' : '\u2014')],
     ['Within your limits', o.within_parameters ? 'yes' : 'no', o.within_parameters ? 'good' : 'weak'],
     ['Customer retained', o.customer_retained ? 'yes' : 'no', o.customer_retained ? 'good' : 'weak'],
     ['Satisfaction', null, null, o.satisfaction],
     ['Trust at the end', null, null, o.trust]].forEach(function (row) {
      if (row[3] === undefined && row[1] === null) return;
      outcome.appendChild(h('dt', { text: row[0] }));
      var dd = row[1] !== null ? h('dd', { className: row[2] || '', text: row[1] })
                               : h('dd', null, [meter(row[3], row[0]), h('span', { className: 'value', text: pct(row[3]) })]);
      outcome.appendChild(dd);
    });
    outcome.dataset.deal = o.deal ? 'yes' : 'no';

    var criteria = clear($('criteria'));
    Object.keys(obj(r.criteria)).forEach(function (key) {
      var label = str(names[key] || key.replace(/_/g, ' '));
      var shown = typeof r.criteria[key] === 'number';  // null: the session gave nothing to judge it by
      var v = pct(r.criteria[key]);
      var li = h('li', { className: 'criterion' + (shown ? '' : ' not-shown') }, shown
        ? [h('span', { className: 'label', text: label }), meter(v, label), h('span', { className: 'value', text: v })]
        : [h('span', { className: 'label', text: label }),
           h('span', { className: 'muted', text: 'not shown: ' + str(obj(r.not_shown)[key]) }),
           h('span', { className: 'value', text: '\u2014' })]);
      li.dataset.criterion = key;
      criteria.appendChild(li);
    });

    var turns = clear($('turns'));
    list(r.turns).forEach(function (t) {
      t = obj(t);
      var points = Math.round(num(t.points));
      turns.appendChild(h('li', { className: 'turn' }, [
        h('blockquote', { text: clip(str(t.text), 600) }),
        h('div', { className: 'turn-meta' }, [chips(t.moves),
          h('span', { className: 'points ' + (points > 0 ? 'plus' : points < 0 ? 'minus' : ''),
                      text: signed(points) + ' pts' })]),
        h('p', { className: 'feedback-text', text: str(t.feedback) })
      ]));
    });
    if (!list(r.turns).length) turns.appendChild(h('li', { className: 'muted', text: 'No turns were played.' }));

    var hidden = obj(r.hidden);
    var revealed = list(hidden.revealed);
    var interests = clear($('interests'));
    Object.keys(obj(hidden.interests)).forEach(function (key) {
      var found = revealed.indexOf(key) >= 0;
      interests.appendChild(h('li', { className: found ? 'found' : 'missed' }, [
        h('span', { className: 'mark', text: found ? 'uncovered' : 'missed' }), ' ' + str(hidden.interests[key])]));
    });
    var limit = typeof hidden.reservation_price === 'number'
      ? 'The most they would have paid before any need was met: ' + money(hidden.reservation_price) + ' per ' +
        state.unit + '. ' : '';
    $('batna').textContent = limit + (hidden.batna ? 'Their alternative if you had not agreed: ' + str(hidden.batna) : '');

    var plan = clear($('plan'));
    var moments = list(r.moments).map(obj);
    list(r.improvement_plan).forEach(function (step) {
      step = str(step);
      var moment = moments.filter(function (m) { return m.retry && step.indexOf(str(m.retry)) >= 0; })[0];
      if (!moment) { plan.appendChild(h('li', { text: step })); return; }
      // the command is for typed channels; here it is a button
      var words = step.replace(/\s*\(retry from this turn: [^)]*\}\)\s*$/, '');
      plan.appendChild(h('li', { className: 'moment' }, [words, ' ', retryButton(str(moment.retry), moment.turn)]));
    });

    $('report').hidden = false;
    $('report').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  // -- start again ----------------------------------------------------------------------------------
  function startAgain() {
    try { window.sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage disabled */ }
    window.location.reload();
  }

  // -- boot -----------------------------------------------------------------------------------------
  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function boot() {
    // every page load is a fresh conversation: the previous one's report was already shown
    try { window.sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage disabled */ }
    $('picker-form').addEventListener('submit', onStart);
    $('end-session').addEventListener('click', function () { send('/end_session'); });
    $('again').addEventListener('click', startAgain);
    $('restart').addEventListener('click', startAgain);
    $('retry').addEventListener('click', checkTrainer);
    Promise.all([getJSON('/config.json'), getCatalog()]).then(function (results) {
      state.config = obj(results[0]);
      state.catalog = obj(results[1]);
      renderPicker();
      renderProblems(state.catalog.problems);
      if (trainerToken()) setInterval(function () { getCatalog().then(function (c) { renderProblems(obj(c).problems); }, function () {}); }, PROBLEMS_MS);
      checkTrainer();
    }).catch(function (err) {
      showPickerError('Could not load the persona list: ' + err.message);
    });
  }

  // the handler the widget's socket calls, reachable for tests; it only ever draws text
  window.Parley = Object.freeze({ receive: receive, pageText: pageText });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
