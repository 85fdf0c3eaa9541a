// The console's few behaviours: busy buttons, live refresh of the pipeline view, watching a rebuild.
// Pages work without it; it only makes them update by themselves.
(function () {
  "use strict";

  var RUNNING = ["pending", "running", "catching_up", "switching"];  // the API's unfinished job states
  var REFRESH_MS = 10000;
  var POLL_MS = 1000;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Busy state: a submitted form says so and cannot be sent twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    var button = form.querySelector("button[type=submit]");
    form.setAttribute("aria-busy", "true");
    if (button) {
      if (button.dataset.busy) { button.textContent = button.dataset.busy; }
      window.setTimeout(function () { button.disabled = true; }, 0);  // after the browser has read the form
    }
  });

  // Live panels: re-fetch this page and swap in the fresh copies of every [data-live] section.
  function refresh() {
    if (document.hidden) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (section) {
          var replacement = fresh.getElementById(section.id);
          if (replacement) { section.replaceWith(document.importNode(replacement, true)); }
        });
      })
      .catch(function () { /* the next tick tries again */ });
  }
  if (document.querySelector("[data-live]")) { window.setInterval(refresh, REFRESH_MS); }

  // Rebuild: start it, then poll its job until it ends.
  var panel = document.getElementById("rebuild");
  if (!panel) { return; }
  var form = panel.querySelector("form.start-rebuild");
  var errorBox = panel.querySelector("[data-rebuild-error]");

  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }

  function setText(name, value) {
    var element = field(name);
    if (element) { element.textContent = value === null || value === undefined ? "" : String(value); }
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  // A time as the server's pages show it: UTC, to the millisecond.
  function when(iso) {
    if (!iso) { return ""; }
    var date = new Date(iso);
    return isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ");
  }

  function sum(counts) {
    return Object.keys(counts || {}).reduce(function (total, topic) { return total + counts[topic]; }, 0);
  }

  function replayedText(job) {
    var totals = job.totals || {};
    return Object.keys(job.replayed || {}).map(function (topic) {
      var line = topic + ": " + job.replayed[topic];
      return topic in totals ? line + " / " + totals[topic] : line;
    }).join(" · ");
  }

  function render(job) {
    panel.querySelector("dl.job").hidden = false;
    var empty = panel.querySelector("[data-no-job]");
    if (empty) { empty.hidden = true; }
    var running = RUNNING.indexOf(job.state) >= 0;
    panel.dataset.jobId = job.id;
    panel.dataset.jobState = job.state;
    setText("id", job.id);
    setText("state", job.state);
    field("state").className = "status status-" + job.state;
    setText("collection_new", job.collection);
    setText("started_at", when(job.started_at));
    setText("finished_at", when(job.finished_at));
    setText("replayed", replayedText(job));
    setText("rate", job.rate ? Math.round(job.rate) + " events/s" : "");
    var eta = running && job.eta_seconds !== null && job.eta_seconds !== undefined;
    setText("eta_seconds", eta ? Math.round(job.eta_seconds) + " s" : "");
    setText("error", job.error);
    if (job.state === "done") { setText("collection", job.collection); }  // the view switched to it
    var progress = field("progress");
    var total = sum(job.totals);
    if (!running) {
      progress.max = 1; progress.value = 1;
    } else if (total) {
      progress.max = total; progress.value = Math.min(sum(job.replayed), total);
    } else {
      progress.removeAttribute("value");  // indeterminate until the replay knows the topics' sizes
    }
    if (form) { form.querySelector("button").disabled = running; }
  }

  function watch(id) {
    var url = panel.dataset.jobUrl.replace("JOB", encodeURIComponent(id));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status !== 200) { showError("Cannot follow rebuild " + id + ": " + (answer.body.detail || answer.status)); return; }
        render(answer.body);
        if (RUNNING.indexOf(answer.body.state) >= 0) { window.setTimeout(function () { watch(id); }, POLL_MS); }
      })
      .catch(function () { window.setTimeout(function () { watch(id); }, POLL_MS * 3); });
  }

  function watchRunning() {
    fetch(panel.dataset.projectionsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { jobs: [] }; })
      .then(function (body) {
        var running = (body.jobs || []).filter(function (job) { return RUNNING.indexOf(job.state) >= 0; });
        if (running.length) { watch(running[running.length - 1].id); }
      });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation();
      var button = form.querySelector("button");
      button.disabled = true;
      showError("");
      fetch(form.dataset.api, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } })
        .then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        })
        .then(function (answer) {
          if (answer.status === 202) { render(answer.body); watch(answer.body.id); return; }
          button.disabled = false;
          if (answer.status === 409) { showError("A rebuild is already running; following it."); watchRunning(); return; }
          if (answer.status === 404) {
            panel.querySelector("[data-rebuild-missing]").hidden = false;
            return;
          }
          showError("The rebuild did not start: " + (answer.body.detail || answer.status));
        })
        .catch(function () { button.disabled = false; showError("The console did not answer; try again."); });
    });
  }
  if (panel.dataset.jobId && RUNNING.indexOf(panel.dataset.jobState) >= 0) { watch(panel.dataset.jobId); }
}());
