/* Small progressive enhancements for the console; every page works without them. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    var form = event.target;
    if (form.dataset.sent) {  // no double submit: a second click would repeat the action
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });
  // A push preview goes stale the moment its text is edited: 确认发送 waits for a new preview
  // (the server refuses a changed text anyway; this only says so before the click).
  var pushForm = document.getElementById("push-form");
  if (pushForm && pushForm.elements.previewed) {
    pushForm.elements.text.addEventListener("input", function () {
      var stale = pushForm.elements.text.value.trim() !== pushForm.elements.previewed.value.trim();
      var confirmButton = document.getElementById("push-confirm");
      if (confirmButton) {
        confirmButton.disabled = stale;
      }
      document.getElementById("push-stale").hidden = !stale;
      document.getElementById("push-preview-box").classList.toggle("stale", stale);
    });
  }
  // Source viewer (templates/console/_source_viewer.html): the text selected in a policy document becomes the
  // candidate's quote, so nobody has to retype it; the region select shows that region's document first.
  var picked = "";
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    var node = selection && selection.anchorNode;
    var inSource = node && (node.nodeType === 1 ? node : node.parentElement).closest(".source-text");
    if (inSource && selection.toString().trim()) {
      picked = selection.toString().trim();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-use-selection]");
    if (!button) {
      return;
    }
    var viewer = button.closest(".source-viewer");
    var form = document.getElementById(viewer.getAttribute("data-form"));
    var status = button.parentElement.querySelector(".use-status");
    if (!picked) {
      status.textContent = "请先在上面的原文中选中要引用的文字。";
      return;
    }
    form.elements.quote.value = picked;
    form.elements.document.value = button.getAttribute("data-document");
    status.textContent = "已填入引文（" + picked.length + " 字）。";
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    var viewer = select.name === "region" && select.form &&
      document.querySelector('.source-viewer[data-form="' + select.form.id + '"]');
    if (viewer) {
      viewer.querySelectorAll(".source").forEach(function (source) {
        source.open = source.getAttribute("data-region") === select.value;
      });
    }
  });
  var chat = document.getElementById("chat");
  if (chat) {
    chat.scrollTop = chat.scrollHeight;
  }
})();
