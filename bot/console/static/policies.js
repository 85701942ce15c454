/* 政策文件: the entry form is checked while it is written (the same checks as `xingban kb check`), and the
   reply a parent would get is shown beside it. Without JavaScript, 检查并预览 does the same on the server. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form || !form.getAttribute("data-check")) {
    return;
  }
  var box = document.getElementById("entry-check");
  var preview = document.getElementById("entry-preview");
  var timer = null;
  var sequence = 0;
  function show(result) {
    box.textContent = "";
    if (result.problems.length) {
      var list = document.createElement("ul");
      list.className = "problems";
      result.problems.forEach(function (problem) {
        var item = document.createElement("li");
        item.textContent = problem;
        list.appendChild(item);
      });
      box.appendChild(list);
    } else {
      var ok = document.createElement("p");
      ok.className = "ok-text";
      ok.textContent = "检查通过，可以发布。";
      box.appendChild(ok);
    }
    if (result.warning) {
      var warn = document.createElement("p");
      warn.className = "warn-text";
      warn.textContent = result.warning;
      box.appendChild(warn);
    }
    preview.textContent = result.preview || "（检查通过后显示家长会收到的回复）";
  }
  function check() {
    var mine = ++sequence;
    var data = new FormData(form);
    fetch(form.getAttribute("data-check"), {method: "POST", body: data, credentials: "same-origin",
                                            headers: {"X-CSRFToken": data.get("csrf_token")}})
      .then(function (response) { return response.json(); })
      .then(function (result) { if (mine === sequence) { show(result); } })
      .catch(function () {});
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-use-selection]")) {
      later();  // the quote was filled in by the source viewer (console.js), which fires no input event
    }
  });
  form.scrollIntoView({block: "start"});
  check();
})();
