// @ts-check
// The sidebar page's script (appsscript/Sidebar.html). `python3 tasks.py regen` inlines it into
// appsscript/SidebarClient.html; it is type-checked here, with the DOM's types (sidebar/tsconfig.json).
//
// The page holds no text of its own: labels come from the catalogue the template embeds (`data-text` names the
// key), and everything else is a string the server functions return, already in the owner's language. Every
// change goes: button -> sidebarPreview (a confirmation panel in the page) -> the change, with sidebarProgress
// polled about every second while it runs -> its message and the new state.

(function () {
  "use strict";

  var POLL_MS = 1000;

  /** @type {Record<string, string>} */
  var texts = JSON.parse(byId("zeues-texts").textContent || "{}");
  var busy = false;
  /** @type {number | null} */
  var pollTimer = null;

  /** @param {string} id @returns {HTMLElement} */
  function byId(id) {
    var element = document.getElementById(id);
    if (!element) throw new Error("the page has no #" + id);
    return element;
  }

  /**
   * A catalogue text (the page's own labels have no placeholders).
   * @param {string} key
   */
  function t(key) {
    var text = texts[key];
    if (text === undefined) { // a bridge older than this page: a blank label, never a made-up one
      console.error("no text " + key + " in the catalogue");
      return "";
    }
    return text;
  }

  /** @param {string} tag @param {string} [text] @param {string} [className] */
  function make(tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  /** @param {HTMLElement} element @param {boolean} shown */
  function show(element, shown) {
    element.hidden = !shown;
  }

  /** @param {HTMLElement} list @param {HTMLElement[]} items @param {string | null} emptyKey shown when none */
  function fill(list, items, emptyKey) {
    list.replaceChildren(...(items.length || !emptyKey ? items : [make("li", t(emptyKey), "empty")]));
  }

  /** Fill every `data-text` label from the catalogue; one whose text is missing is left out, not shown blank. */
  function label() {
    document.querySelectorAll("[data-text]").forEach(function (element) {
      var text = t(element.getAttribute("data-text") || "");
      element.textContent = text;
      if (!text) element.classList.add("missing");
    });
    document.title = t("panel.title");
  }

  // -- the state ------------------------------------------------------------------------------------------

  /** @param {SidebarState} next */
  function render(next) {
    if (next.texts) texts = next.texts;
    var lines = next.status.lines.filter(function (line) { return line !== next.status.pausedLine; }); // shown apart
    fill(byId("status-lines"), lines.map(function (line) { return make("li", line); }), null);
    var paused = byId("status-paused");
    paused.textContent = next.status.pausedLine || "";
    show(paused, !!next.status.pausedLine);

    fill(byId("pending-list"), next.pending.map(function (p) { return make("li", p.line); }), "sidebar.noPending");
    /** @type {HTMLButtonElement} */ (byId("apply")).dataset.none = next.pending.length ? "" : "yes";

    fill(byId("history-list"), next.history.map(function (h) {
      var item = make("li");
      item.append(make("time", h.when), make("span", h.line));
      return item;
    }), "sidebar.noHistory");

    fill(byId("links-list"), next.links.map(function (link) {
      var item = make("li", undefined, "link-" + link.kind);
      var anchor = /** @type {HTMLAnchorElement} */ (make("a", link.label));
      anchor.href = link.url;
      anchor.target = "_blank"; // the sidebar is a sandboxed frame: a link opens a new tab
      anchor.rel = "noopener";
      item.append(anchor);
      return item;
    }), "sidebar.noLinks");

    var backups = next.links.filter(function (link) { return link.kind === "backup"; });
    var select = /** @type {HTMLSelectElement} */ (byId("restore-backup"));
    select.replaceChildren(...backups.map(function (link) {
      var option = /** @type {HTMLOptionElement} */ (make("option", link.label));
      option.value = backupId(link);
      return option;
    }));
    show(byId("restore-choice"), backups.length > 0); // nothing to restore yet: no restore button

    show(byId("pause-form"), !next.status.paused);
    show(byId("resume-form"), next.status.paused);
    show(byId("loading"), false);
    show(byId("main"), true);
    setBusy(false);
    if (next.progress) watch(next.progress); // a change started elsewhere (the operator, another editor) is running
  }

  /** The backup's spreadsheet id: given by the server, else taken from its address (…/d/<id>/…).
   * @param {SidebarLink} link */
  function backupId(link) {
    if (link.backupId) return link.backupId;
    var match = /\/d\/([\w-]+)/.exec(link.url);
    return match ? match[1] : "";
  }

  function refresh() {
    setBusy(true);
    call(render).sidebarState();
  }

  // -- talking to the server --------------------------------------------------------------------------------

  /**
   * google.script.run with this page's failure handling: the page never shows a raw error, only the catalogue's
   * "could not reach the spreadsheet" text (the message goes to the console, for whoever debugs it).
   * @param {(value: any) => void} onSuccess
   */
  function call(onSuccess) {
    return google.script.run.withSuccessHandler(onSuccess).withFailureHandler(function (error) {
      console.error(error && error.message);
      stopWatching();
      showConfirm(null);
      notify(t("sidebar.callFailed"), false);
      setBusy(false);
    });
  }

  /** @param {boolean} value */
  function setBusy(value) {
    busy = value;
    document.querySelectorAll("button.action").forEach(function (button) {
      var b = /** @type {HTMLButtonElement} */ (button);
      b.disabled = value || b.dataset.none === "yes";
    });
    document.body.setAttribute("aria-busy", value ? "true" : "false");
  }

  /**
   * A message for the owner: an outcome (role status) or a refusal (role alert, focused so it is read first).
   * @param {string} message @param {boolean} ok
   */
  function notify(message, ok) {
    var notice = byId("notice");
    notice.textContent = "";
    message.split("\n").forEach(function (line) { if (line.trim()) notice.append(make("p", line)); });
    notice.className = ok ? "notice ok" : "notice refusal";
    notice.setAttribute("role", ok ? "status" : "alert");
    show(notice, !!message);
    if (message) notice.focus();
  }

  // -- confirm, then act ------------------------------------------------------------------------------------

  /**
   * The confirmation panel: the preview's title and lines and its two buttons; null hides it.
   * @param {{title: string, body: string[], confirm: string, cancel: string} | null} preview
   * @param {() => void} [onConfirm]
   */
  function showConfirm(preview, onConfirm) {
    var panel = byId("confirm");
    show(panel, !!preview);
    show(byId("actions"), !preview);
    if (!preview || !onConfirm) return;
    byId("confirm-title").textContent = preview.title;
    var body = byId("confirm-body");
    body.replaceChildren(...preview.body.map(function (line) { return make("p", line); }));
    var yes = /** @type {HTMLButtonElement} */ (byId("confirm-yes"));
    var no = /** @type {HTMLButtonElement} */ (byId("confirm-no"));
    yes.textContent = preview.confirm;
    no.textContent = preview.cancel;
    yes.onclick = function () { showConfirm(null); onConfirm(); };
    no.onclick = function () {
      showConfirm(null);
      notify(t("common.cancelled"), true);
    };
    byId("confirm-title").focus();
  }

  /**
   * Ask the server what `action` would do; on yes, run it with the preview's token.
   * @param {string} action @param {string | null} arg @param {(token: string) => void} run
   */
  function act(action, arg, run) {
    if (busy) return;
    notify("", true);
    setBusy(true);
    call(function (/** @type {SidebarPreview} */ preview) {
      setBusy(false);
      if (!preview.ok) {
        notify(preview.message, false);
        return;
      }
      var token = preview.token;
      showConfirm(preview, function () {
        setBusy(true);
        watch(null);
        run(token);
      });
    }).sidebarPreview(action, arg);
  }

  /** @param {SidebarOutcome} outcome */
  function finished(outcome) {
    stopWatching();
    if (outcome.state) render(outcome.state);
    else setBusy(false); // the change answered, but the sheet could not be read after it: Actualizar reads it
    notify(outcome.message, outcome.ok);
  }

  // -- progress ---------------------------------------------------------------------------------------------

  /** Show the progress panel and poll sidebarProgress every second until watching stops.
   * @param {SidebarProgress | null} progress */
  function watch(progress) {
    show(byId("progress"), true);
    showProgress(progress);
    if (pollTimer !== null) return;
    var ownRun = busy; // polling for a change of this page: its outcome ends the polling
    /** @param {SidebarProgress | null} current */
    function next(current) {
      if (pollTimer === null) return;
      showProgress(current);
      if (!current && !ownRun) { // the other run finished: show what it did
        stopWatching();
        refresh();
        return;
      }
      pollTimer = window.setTimeout(poll, POLL_MS);
    }
    function poll() {
      google.script.run.withSuccessHandler(next).withFailureHandler(function () { next(null); }).sidebarProgress();
    }
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  /** @param {SidebarProgress | null} progress */
  function showProgress(progress) {
    var bar = /** @type {HTMLProgressElement} */ (byId("progress-bar"));
    byId("progress-line").textContent = progress ? progress.line : "";
    if (progress && progress.steps > 0) {
      bar.max = progress.steps;
      bar.value = progress.step;
    } else {
      bar.removeAttribute("value"); // indeterminate until the first step is recorded
    }
  }

  function stopWatching() {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
    show(byId("progress"), false);
  }

  // -- the buttons ------------------------------------------------------------------------------------------

  byId("apply").addEventListener("click", function () {
    act("apply", null, function (token) { call(finished).sidebarApply(token); });
  });
  byId("undo").addEventListener("click", function () {
    act("undo", null, function (token) { call(finished).sidebarUndo(token); });
  });
  byId("pause").addEventListener("click", function () {
    var field = /** @type {HTMLTextAreaElement} */ (byId("pause-reason"));
    var reason = field.value.trim();
    if (!reason) {
      notify(t("pause.needReason"), false);
      field.focus();
      return;
    }
    act("pause", reason, function () { call(finished).sidebarPause(reason); });
  });
  byId("resume").addEventListener("click", function () {
    act("resume", null, function () { call(finished).sidebarResume(); });
  });
  byId("restore").addEventListener("click", function () {
    var backup = /** @type {HTMLSelectElement} */ (byId("restore-backup")).value;
    act("restore", backup, function (token) { call(finished).sidebarRestore(backup, token); });
  });
  byId("refresh").addEventListener("click", function () {
    notify("", true);
    refresh();
  });

  label();
  refresh();
})();
