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
  var chat = document.getElementById("chat");
  if (chat) {
    chat.scrollTop = chat.scrollHeight;
  }
})();
