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
  var chat = document.getElementById("chat");
  if (chat) {
    chat.scrollTop = chat.scrollHeight;
  }
})();
