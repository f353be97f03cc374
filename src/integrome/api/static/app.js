// integrome web pages: progressive enhancement only. Every page works without this file:
// uploads post a plain form, the job page reloads itself, filters submit a GET form.
// With it: upload progress and reading options, live job status, filters without a page
// load, expand/collapse of the evidence, and printing with every evidence block open.
"use strict";

(function () {
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function errorFromPage(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const detail = doc.getElementById("error-detail");
    return detail ? detail.textContent.trim() : "";
  }

  function enhanceUpload(form) {
    const options = document.getElementById("reading-options");
    const button = document.getElementById("upload-button");
    const box = document.getElementById("upload-progress");
    const bar = document.getElementById("upload-bar");
    const percent = document.getElementById("upload-percent");
    const error = document.getElementById("upload-error");
    const input = form.querySelector('input[type="file"]');
    options.hidden = false;

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      box.hidden = true;
      button.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.files.length) {
        input.focus();
        return;
      }
      const url = new URL(form.action, window.location.href);
      url.searchParams.delete("csrf_token");
      for (const field of options.querySelectorAll("[data-param]")) {
        const value = field.value.trim();
        if (value) {
          url.searchParams.set(field.dataset.param, value);
        }
      }
      const data = new FormData();
      for (const file of input.files) {
        data.append("files", file, file.name);
      }
      const request = new XMLHttpRequest();
      request.open("POST", url.toString());
      request.setRequestHeader("X-CSRF-Token", csrfToken());
      let announced = -1;
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) {
          return;
        }
        const value = Math.round((progress.loaded / progress.total) * 100);
        bar.value = value;
        if (Math.floor(value / 10) !== announced) {
          announced = Math.floor(value / 10);
          percent.textContent = value + "%";
        }
      });
      request.addEventListener("load", function () {
        if (request.status < 400 && request.responseURL) {
          window.location.assign(request.responseURL);
          return;
        }
        fail(errorFromPage(request.responseText) || "The upload failed (status " + request.status + ").");
      });
      request.addEventListener("error", function () {
        fail("The upload was interrupted. Check the connection and try again.");
      });
      error.hidden = true;
      button.disabled = true;
      bar.value = 0;
      box.hidden = false;
      request.send(data);
    });
  }

  function enhanceJob(job) {
    const state = document.getElementById("job-state");
    const bar = document.getElementById("job-bar");
    const error = document.getElementById("job-error");
    const retry = document.getElementById("job-retry");
    const running = document.getElementById("step-running");
    const url = job.dataset.statusUrl;
    let last = "";

    function say(text) {
      if (text !== last) {
        state.textContent = text;
        last = text;
      }
    }

    async function poll() {
      let current;
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const type = response.headers.get("content-type") || "";
        if (!response.ok || !type.includes("json")) {
          window.location.reload();
          return;
        }
        current = await response.json();
      } catch (problem) {
        window.setTimeout(poll, 3000);
        return;
      }
      if (current.status === "succeeded" && current.report_url) {
        say("Done. Opening the report…");
        window.location.assign(current.report_url);
        return;
      }
      if (current.status === "failed") {
        say("The analysis failed.");
        error.textContent = current.message || "";
        error.hidden = false;
        retry.hidden = false;
        bar.hidden = true;
        return;
      }
      if (current.status === "running") {
        running.className = "current";
        say("Analyzing: " + current.progress.toLocaleString() + " records read…");
      } else {
        say("Waiting for a free worker…");
      }
      window.setTimeout(poll, 1000);
    }

    if (job.dataset.status !== "failed") {
      window.setTimeout(poll, 500);
    }
  }

  function enhanceFilters(form) {
    const results = document.getElementById("report-results");
    const status = document.getElementById("filter-status");
    const search = form.querySelector('input[type="search"]');
    let timer = 0;
    let controller = null;

    async function refresh() {
      const url = new URL(form.action, window.location.href);
      for (const [name, value] of new FormData(form)) {
        if (typeof value === "string" && value.trim()) {
          url.searchParams.set(name, value.trim());
        }
      }
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      results.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = doc.getElementById("report-results");
        if (!response.ok || !fresh) {
          window.location.assign(url);
          return;
        }
        results.replaceChildren(...fresh.childNodes);
        status.textContent = doc.getElementById("filter-status").textContent;
        const buttons = form.querySelector(".filter-buttons");
        const freshButtons = doc.querySelector("#report-filters .filter-buttons");
        if (buttons && freshButtons) {
          buttons.replaceChildren(...freshButtons.childNodes);
        }
        window.history.replaceState(null, "", url);
      } catch (problem) {
        if (problem.name !== "AbortError") {
          window.location.assign(url);
        }
      } finally {
        results.removeAttribute("aria-busy");
      }
    }

    form.addEventListener("change", function (event) {
      if (event.target !== search) {
        window.clearTimeout(timer);
        refresh();
      }
    });
    if (search) {
      search.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 300);
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      refresh();
    });
  }

  function enhanceEvidence() {
    for (const element of document.querySelectorAll(".expand-buttons, [data-action='print']")) {
      element.hidden = false;
    }
    document.addEventListener("click", function (event) {
      const target = event.target.closest("[data-action]");
      if (!target) {
        return;
      }
      const action = target.dataset.action;
      if (action === "expand-all" || action === "collapse-all") {
        for (const details of document.querySelectorAll("details.evidence")) {
          details.open = action === "expand-all";
        }
      } else if (action === "print") {
        window.print();
      }
    });
    let reopened = [];
    window.addEventListener("beforeprint", function () {
      reopened = Array.from(document.querySelectorAll("details:not([open])"));
      for (const details of reopened) {
        details.open = true;
      }
    });
    window.addEventListener("afterprint", function () {
      for (const details of reopened) {
        details.open = false;
      }
      reopened = [];
    });
  }

  const upload = document.getElementById("upload-form");
  if (upload) {
    enhanceUpload(upload);
  }
  const job = document.getElementById("job");
  if (job) {
    enhanceJob(job);
  }
  const filters = document.getElementById("report-filters");
  if (filters) {
    enhanceFilters(filters);
  }
  if (document.getElementById("report-results")) {
    enhanceEvidence();
  }
})();
